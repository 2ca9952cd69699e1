namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// The data order seen by trainers: for (epoch, step in epoch, rank) the samples of that
/// micro-batch, written as pixels [B, C, H, W] and one-hot labels [B, classes].
/// </summary>
public interface IMicroBatchSource
{
    Shape3 SampleShape { get; }

    int Classes { get; }

    int MicroBatch { get; }

    int Workers { get; }

    int StepsPerEpoch { get; }

    void Fill(int epoch, int stepInEpoch, int rank, Span<float> pixels, Span<float> oneHotLabels);
}
