using System.Diagnostics;
using System.Runtime.InteropServices;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Bench.CnnProfile;

/// <summary>The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), in seconds; less sensitive to other load than wall time.</summary>
internal static partial class ThreadClock
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private const int ThreadCpuTime = 3;

    public static double Now()
    {
        if (!OperatingSystem.IsLinux())
        {
            return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        }

        ClockGetTime(ThreadCpuTime, out var t);
        return t.Seconds + (t.Nanoseconds * 1e-9);
    }
}

/// <summary>Forwards every call to the CPU backend and adds its thread CPU time and wall time to a per-method tally.</summary>
internal sealed class ProfilingBackend(IComputeBackend inner) : IComputeBackend
{
    private readonly Dictionary<string, (double Cpu, double Wall, int Calls)> _tally = [];

    public IReadOnlyDictionary<string, (double Cpu, double Wall, int Calls)> Tally => _tally;

    public void Reset() => _tally.Clear();

    private void Time(string name, Action action)
    {
        double cpu = ThreadClock.Now();
        long wall = Stopwatch.GetTimestamp();
        action();
        double cpuSpent = ThreadClock.Now() - cpu;
        double wallSpent = Stopwatch.GetElapsedTime(wall).TotalSeconds;
        _tally.TryGetValue(name, out var t);
        _tally[name] = (t.Cpu + cpuSpent, t.Wall + wallSpent, t.Calls + 1);
    }

    private static string Describe(Conv2dShape s) => $"{s.InChannels}->{s.OutChannels} {s.Height}x{s.Width} k{s.KernelH}";

    public string Name => inner.Name;

    public MemoryLedger Ledger => inner.Ledger;

    public DeviceBuffer Allocate(long length, MemoryTag tag) => inner.Allocate(length, tag);

    public void Upload(ReadOnlySpan<float> source, TensorView destination) => inner.Upload(source, destination);

    public void Download(TensorView source, Span<float> destination) => inner.Download(source, destination);

    public void Fill(TensorView destination, float value) => Time(nameof(Fill), () => inner.Fill(destination, value));

    public void Copy(TensorView source, TensorView destination) => Time(nameof(Copy), () => inner.Copy(source, destination));

    public void Axpy(float alpha, TensorView x, TensorView y) => Time(nameof(Axpy), () => inner.Axpy(alpha, x, y));

    public void Scale(float alpha, TensorView x) => Time(nameof(Scale), () => inner.Scale(alpha, x));

    public void DenseForward(TensorView x, TensorView w, TensorView b, TensorView y, int batch, int inFeatures, int outFeatures) =>
        Time(nameof(DenseForward), () => inner.DenseForward(x, w, b, y, batch, inFeatures, outFeatures));

    public void DenseBackwardData(TensorView dy, TensorView w, TensorView dx, int batch, int inFeatures, int outFeatures) =>
        Time(nameof(DenseBackwardData), () => inner.DenseBackwardData(dy, w, dx, batch, inFeatures, outFeatures));

    public void DenseBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, int batch, int inFeatures, int outFeatures) =>
        Time(nameof(DenseBackwardParameters), () => inner.DenseBackwardParameters(x, dy, dw, db, batch, inFeatures, outFeatures));

    public void Conv2dForward(TensorView x, TensorView w, TensorView b, TensorView y, Conv2dShape shape) =>
        Time($"{nameof(Conv2dForward)} {Describe(shape)}", () => inner.Conv2dForward(x, w, b, y, shape));

    public void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape) =>
        Time($"{nameof(Conv2dBackwardData)} {Describe(shape)}", () => inner.Conv2dBackwardData(dy, w, dx, shape));

    public void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape) =>
        Time($"{nameof(Conv2dBackwardParameters)} {Describe(shape)}", () => inner.Conv2dBackwardParameters(x, dy, dw, db, shape));

    public void ReluForward(TensorView x, TensorView y) => Time($"{nameof(ReluForward)} {x.Length}", () => inner.ReluForward(x, y));

    public void ReluBackward(TensorView y, TensorView dy, TensorView dx) => Time($"{nameof(ReluBackward)} {y.Length}", () => inner.ReluBackward(y, dy, dx));

    public void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape) => Time($"{nameof(MaxPoolForward)} {shape.Channels}x{shape.Height}x{shape.Width}", () => inner.MaxPoolForward(x, y, shape));

    public void MaxPoolBackward(TensorView x, TensorView y, TensorView dy, TensorView dx, Pool2dShape shape) =>
        Time($"{nameof(MaxPoolBackward)} {shape.Channels}x{shape.Height}x{shape.Width}", () => inner.MaxPoolBackward(x, y, dy, dx, shape));

    public float SoftmaxCrossEntropy(TensorView logits, TensorView oneHot, TensorView dlogits, int batch, int classes)
    {
        float loss = 0;
        Time(nameof(SoftmaxCrossEntropy), () => loss = inner.SoftmaxCrossEntropy(logits, oneHot, dlogits, batch, classes));
        return loss;
    }

    public void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper) =>
        Time(nameof(SgdStep), () => inner.SgdStep(weights, gradients, momentum, hyper));

    public void Synchronize() => inner.Synchronize();

    public void Dispose() => inner.Dispose();
}
