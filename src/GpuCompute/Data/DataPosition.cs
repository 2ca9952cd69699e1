namespace CyclicActors.GpuCompute.Data;

/// <summary>Where training stands in the data order: the next global batch to run is (Epoch, StepInEpoch).</summary>
public readonly record struct DataPosition(int Epoch, int StepInEpoch)
{
    public override string ToString() => $"epoch {Epoch}, step {StepInEpoch}";
}
