using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Bench.TrainBench;

/// <summary>
/// An <see cref="IComputeBackend"/> decorator that delegates every call to an inner backend and
/// accumulates time and call counts per method. The clock is <see cref="ThreadCpu.Nanoseconds"/>:
/// Stopwatch by default (cheap; time spent descheduled by other jobs lands in whichever call it
/// interrupted), or the thread CPU clock with <c>--profile-clock cpu</c> (immune to that, but each
/// read is a system call that slows memory-bound calls down noticeably on the dev VM). Only meaningful for synchronous backends (the CPU one): on a device the time would
/// be the enqueue cost. Single-threaded like the backends.
/// </summary>
public sealed class TimingBackend(IComputeBackend inner) : IComputeBackend
{
    private readonly Dictionary<string, (long Ticks, long Calls)> _totals = new();
    private bool _enabled = true;

    /// <summary>
    /// Median clock reading between two back-to-back reads: what each measured interval is inflated
    /// by (reading the thread CPU clock is a real system call, microseconds on some VMs).
    /// </summary>
    public long CalibratedOverheadNanoseconds { get; } = Calibrate();

    public IComputeBackend Inner => inner;

    public string Name => $"timed({inner.Name})";

    public MemoryLedger Ledger => inner.Ledger;

    /// <summary>Accumulated nanoseconds and calls per method, since the last <see cref="Reset"/>.</summary>
    public IReadOnlyDictionary<string, (long Ticks, long Calls)> Totals => _totals;

    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public void Reset() => _totals.Clear();

    public DeviceBuffer Allocate(long length, MemoryTag tag)
    {
        long start = ThreadCpu.Nanoseconds();
        var buffer = inner.Allocate(length, tag);
        Add(nameof(Allocate), start);
        return buffer;
    }

    public void Upload(ReadOnlySpan<float> source, TensorView destination)
    {
        long start = ThreadCpu.Nanoseconds();
        inner.Upload(source, destination);
        Add(nameof(Upload), start);
    }

    public void Download(TensorView source, Span<float> destination)
    {
        long start = ThreadCpu.Nanoseconds();
        inner.Download(source, destination);
        Add(nameof(Download), start);
    }

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
        Time(nameof(Conv2dForward), () => inner.Conv2dForward(x, w, b, y, shape));

    public void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape) =>
        Time(nameof(Conv2dBackwardData), () => inner.Conv2dBackwardData(dy, w, dx, shape));

    public void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape) =>
        Time(nameof(Conv2dBackwardParameters), () => inner.Conv2dBackwardParameters(x, dy, dw, db, shape));

    public void ReluForward(TensorView x, TensorView y) => Time(nameof(ReluForward), () => inner.ReluForward(x, y));

    public void ReluBackward(TensorView y, TensorView dy, TensorView dx) => Time(nameof(ReluBackward), () => inner.ReluBackward(y, dy, dx));

    public void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape) => Time(nameof(MaxPoolForward), () => inner.MaxPoolForward(x, y, shape));

    public void MaxPoolBackward(TensorView x, TensorView y, TensorView dy, TensorView dx, Pool2dShape shape) =>
        Time(nameof(MaxPoolBackward), () => inner.MaxPoolBackward(x, y, dy, dx, shape));

    public float SoftmaxCrossEntropy(TensorView logits, TensorView oneHot, TensorView dlogits, int batch, int classes)
    {
        long start = ThreadCpu.Nanoseconds();
        float loss = inner.SoftmaxCrossEntropy(logits, oneHot, dlogits, batch, classes);
        Add(nameof(SoftmaxCrossEntropy), start);
        return loss;
    }

    public void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper) =>
        Time(nameof(SgdStep), () => inner.SgdStep(weights, gradients, momentum, hyper));

    public void Synchronize() => Time(nameof(Synchronize), inner.Synchronize);

    public void Dispose() => inner.Dispose();

    private static long Calibrate()
    {
        var samples = new long[501];
        for (int i = 0; i < samples.Length; i++)
        {
            long a = ThreadCpu.Nanoseconds();
            samples[i] = ThreadCpu.Nanoseconds() - a;
        }

        Array.Sort(samples);
        return samples[samples.Length / 2];
    }

    private void Time(string name, Action action)
    {
        long start = ThreadCpu.Nanoseconds();
        action();
        Add(name, start);
    }

    private void Add(string name, long start)
    {
        long elapsed = ThreadCpu.Nanoseconds() - start;
        if (!_enabled)
        {
            return;
        }

        _totals.TryGetValue(name, out var total);
        _totals[name] = (total.Ticks + elapsed, total.Calls + 1);
    }
}
