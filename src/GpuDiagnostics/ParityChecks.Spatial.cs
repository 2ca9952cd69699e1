using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuDiagnostics;

internal static partial class ParityChecks
{
    public static IEnumerable<CheckResult> Convolution(ParityHarness h, Conv2dShape s)
    {
        string shape = $"{s.Batch}x{s.InChannels}x{s.Height}x{s.Width} k{s.KernelH} s{s.Stride} p{s.Padding} ->{s.OutChannels}";
        using var x = h.Upload(h.RandomValues(s.InputElements));
        using var w = h.Upload(h.RandomValues(s.WeightElements), MemoryTag.Parameters);
        using var b = h.Upload(h.RandomValues(s.OutChannels), MemoryTag.Parameters);
        using var dy = h.Upload(h.RandomValues(s.OutputElements));

        using (var y = h.Poisoned(s.OutputElements))
        {
            h.Reference.Conv2dForward(x.Reference, w.Reference, b.Reference, y.Reference, s);
            h.Candidate.Conv2dForward(x.Candidate, w.Candidate, b.Candidate, y.Candidate, s);
            yield return h.Compare("Conv2dForward", shape, y, Tolerances.Convolution);
        }

        using (var dx = h.Poisoned(s.InputElements))
        {
            h.Reference.Conv2dBackwardData(dy.Reference, w.Reference, dx.Reference, s);
            h.Candidate.Conv2dBackwardData(dy.Candidate, w.Candidate, dx.Candidate, s);
            yield return h.Compare("Conv2dBackwardData", shape, dx, Tolerances.Convolution);
        }

        using var dw = h.Poisoned(s.WeightElements, MemoryTag.Gradients);
        using var db = h.Poisoned(s.OutChannels, MemoryTag.Gradients);
        h.Reference.Conv2dBackwardParameters(x.Reference, dy.Reference, dw.Reference, db.Reference, s);
        h.Candidate.Conv2dBackwardParameters(x.Candidate, dy.Candidate, dw.Candidate, db.Candidate, s);
        yield return h.Compare("Conv2dBackwardParameters dw", shape, dw, Tolerances.Convolution);
        yield return h.Compare("Conv2dBackwardParameters db", shape, db, Tolerances.Reduction);
    }

    public static IEnumerable<CheckResult> MaxPool(ParityHarness h, Pool2dShape s)
    {
        string shape = $"{s.Batch}x{s.Channels}x{s.Height}x{s.Width} w{s.Window} s{s.Stride}";
        using var x = h.Upload(h.DistinctValues(s.InputElements));
        using var y = h.Poisoned(s.OutputElements);
        h.Reference.MaxPoolForward(x.Reference, y.Reference, s);
        h.Candidate.MaxPoolForward(x.Candidate, y.Candidate, s);
        yield return h.Compare("MaxPoolForward", shape, y, Tolerances.Exact);

        // Backward gets the reference's forward output on both sides, so only the backward is compared.
        var forward = new float[s.OutputElements];
        h.Reference.Download(y.Reference, forward);
        h.Candidate.Upload(forward, y.Candidate);
        using var dy = h.Upload(h.RandomValues(s.OutputElements));
        using var dx = h.Poisoned(s.InputElements);
        h.Reference.MaxPoolBackward(x.Reference, y.Reference, dy.Reference, dx.Reference, s);
        h.Candidate.MaxPoolBackward(x.Candidate, y.Candidate, dy.Candidate, dx.Candidate, s);
        bool overlapping = s.Window > s.Stride;
        yield return h.Compare("MaxPoolBackward", shape, dx, overlapping ? Tolerances.PoolOverlap : Tolerances.Exact);
    }

    /// <summary>NaN inputs must come out NaN from ReLU and max-pooling forward, as in torch (the CPU backend's rule).</summary>
    public static IEnumerable<CheckResult> NanPropagation(ParityHarness h)
    {
        var pool = new Pool2dShape(2, 3, 8, 8, 2, 2);
        float[] data = h.DistinctValues(pool.InputElements);
        data[5] = float.NaN;
        data[77] = float.NaN;
        data[300] = float.NaN;
        using var x = h.Upload(data);
        using (var y = h.Poisoned(pool.OutputElements))
        {
            h.Reference.MaxPoolForward(x.Reference, y.Reference, pool);
            h.Candidate.MaxPoolForward(x.Candidate, y.Candidate, pool);
            yield return h.Compare("MaxPoolForward NaN propagation", "2x3x8x8 w2 s2, 3 NaN", y, Tolerances.Exact);
        }

        using var r = h.Poisoned(data.Length);
        h.Reference.ReluForward(x.Reference, r.Reference);
        h.Candidate.ReluForward(x.Candidate, r.Candidate);
        yield return h.Compare("ReluForward NaN propagation", $"{data.Length}, 3 NaN", r, Tolerances.Exact);
    }
}
