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

    /// <summary>Whether the thread CPU clock works here (otherwise timers fall back to the wall clock).</summary>
    public static bool IsAvailable { get; } = !double.IsNaN(Seconds());

    /// <summary>
    /// Which clock <see cref="Nanoseconds"/> reads: the thread CPU clock (a real system call here,
    /// which also seems to disturb the TLB/caches of the call that follows) or Stopwatch (rdtsc, cheap).
    /// </summary>
    public static bool UseCpuClock { get; set; }

    /// <summary>Thread CPU time in nanoseconds if <see cref="UseCpuClock"/> and available, else Stopwatch time in nanoseconds: for differences only.</summary>
    public static long Nanoseconds()
    {
        if (UseCpuClock && IsAvailable && ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0)
        {
            return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
        }

        return (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency));
    }

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
