using CyclicActors.GpuCompute.Training;

namespace CyclicActors.GpuCompute.Data;

/// <summary>Micro-batches of a <see cref="Dataset"/> in the order a seeded <see cref="DataOrder"/> gives.</summary>
public sealed class DatasetMicroBatchSource : IMicroBatchSource
{
    public DatasetMicroBatchSource(Dataset dataset, DataOrder order)
    {
        if (order.DatasetSize != dataset.Count)
        {
            throw new ArgumentException($"The data order covers {order.DatasetSize} samples but the data set has {dataset.Count}.");
        }

        Dataset = dataset;
        Order = order;
    }

    public Dataset Dataset { get; }

    public DataOrder Order { get; }

    public Shape3 SampleShape => Dataset.SampleShape;

    public int Classes => Dataset.ClassCount;

    public int MicroBatch => Order.MicroBatch;

    public int Workers => Order.Workers;

    public int StepsPerEpoch => Order.StepsPerEpoch;

    public void Fill(int epoch, int stepInEpoch, int rank, Span<float> pixels, Span<float> oneHotLabels) =>
        BatchAssembler.Assemble(Dataset, Order.SampleIndices(epoch, stepInEpoch, rank), pixels, oneHotLabels, []);
}
