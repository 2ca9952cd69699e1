namespace CyclicActors.GpuCompute.Memory;

/// <summary>What a device allocation holds; the ledger keeps live and peak bytes per tag.</summary>
public enum MemoryTag
{
    Parameters = 0,
    Gradients = 1,
    OptimizerState = 2,
    /// <summary>Forward activations stored for the backward pass (what CDP flattens).</summary>
    Activations = 3,
    /// <summary>Temporaries: im2col buffers, backward-pass gradients of activations, library workspaces.</summary>
    Workspace = 4,
    /// <summary>Input batches and labels.</summary>
    Data = 5,
}
