using System.Runtime.InteropServices;

namespace CyclicActors.Bench.TrainBench;

/// <summary>
/// CPU time (user + system) of the calling thread, from clock_gettime(CLOCK_THREAD_CPUTIME_ID).
/// Samples per thread-CPU-second is far less sensitive than wall time to other jobs on a shared
/// machine (time spent descheduled is not counted; page faults and other kernel work are).
/// NaN where the call is unavailable (non-Linux).
/// </summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        return ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0 ? ts.Seconds + (ts.Nanoseconds * 1e-9) : double.NaN;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
