using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Bench.TrainBench;

/// <summary>An <see cref="IMicroBatchSource"/> decorator that accumulates the (thread CPU) time spent assembling batches.</summary>
public sealed class TimingSource(IMicroBatchSource inner) : IMicroBatchSource
{
    public long Ticks { get; private set; }

    public long Calls { get; private set; }

    public Shape3 SampleShape => inner.SampleShape;

    public int Classes => inner.Classes;

    public int MicroBatch => inner.MicroBatch;

    public int Workers => inner.Workers;

    public int StepsPerEpoch => inner.StepsPerEpoch;

    public void Reset() => (Ticks, Calls) = (0, 0);

    public void Fill(int epoch, int stepInEpoch, int rank, Span<float> pixels, Span<float> oneHotLabels)
    {
        long start = ThreadCpu.Nanoseconds();
        inner.Fill(epoch, stepInEpoch, rank, pixels, oneHotLabels);
        Ticks += ThreadCpu.Nanoseconds() - start;
        Calls++;
    }
}
