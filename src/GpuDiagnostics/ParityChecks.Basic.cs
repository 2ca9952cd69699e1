using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuDiagnostics;

/// <summary>The built-in parity checks: every <see cref="IComputeBackend"/> operation, on model-sized shapes.</summary>
internal static partial class ParityChecks
{
    public static IEnumerable<CheckResult> Transfers(ParityHarness h)
    {
        const int n = 1_000_003;
        using (var whole = h.Upload(h.RandomValues(n)))
        {
            yield return h.Compare("Upload+Download", $"{n}", whole, Tolerances.Exact);
        }

        // Views with odd offsets: pointer arithmetic and lengths, NaN outside the slice must survive.
        using (var target = h.Poisoned(2000))
        {
            float[] data = h.RandomValues(1000);
            h.Reference.Upload(data, target.Reference.Slice(7, 1000));
            h.Candidate.Upload(data, target.Candidate.Slice(7, 1000));
            yield return h.Compare("Upload(slice)", "1000 @ 7 of 2000", target, Tolerances.Exact);

            h.Reference.Fill(target.Reference.Slice(1500, 333), 0.375f);
            h.Candidate.Fill(target.Candidate.Slice(1500, 333), 0.375f);
            yield return h.Compare("Fill(slice)", "333 @ 1500 of 2000", target, Tolerances.Exact);

            h.Reference.Copy(target.Reference.Slice(7, 400), target.Reference.Slice(1100, 400));
            h.Candidate.Copy(target.Candidate.Slice(7, 400), target.Candidate.Slice(1100, 400));
            yield return h.Compare("Copy(slice)", "400 @ 7 -> 1100", target, Tolerances.Exact);
        }

        using (var source = h.Upload(h.RandomValues(4096)))
        {
            var expected = new float[1000];
            var actual = new float[1000];
            h.Reference.Download(source.Reference.Slice(3000, 1000), expected);
            h.Candidate.Download(source.Candidate.Slice(3000, 1000), actual);
            yield return ErrorMeasure.Compare("Download(slice)", "1000 @ 3000 of 4096", expected, actual, Tolerances.Exact);
        }
    }

    public static IEnumerable<CheckResult> Vector(ParityHarness h)
    {
        const int n = 100_003;
        using var x = h.Upload(h.RandomValues(n));
        using var y = h.Upload(h.RandomValues(n));
        h.Reference.Axpy(0.7f, x.Reference, y.Reference);
        h.Candidate.Axpy(0.7f, x.Candidate, y.Candidate);
        yield return h.Compare("Axpy", $"{n}", y, Tolerances.Elementwise);

        h.Reference.Scale(-1.3f, x.Reference);
        h.Candidate.Scale(-1.3f, x.Candidate);
        yield return h.Compare("Scale", $"{n}", x, Tolerances.Elementwise);
    }

    public static IEnumerable<CheckResult> Dense(ParityHarness h, int batch, int inFeatures, int outFeatures)
    {
        string shape = $"B{batch} {inFeatures}->{outFeatures}";
        using var x = h.Upload(h.RandomValues((long)batch * inFeatures));
        using var w = h.Upload(h.RandomValues((long)outFeatures * inFeatures), MemoryTag.Parameters);
        using var b = h.Upload(h.RandomValues(outFeatures), MemoryTag.Parameters);
        using var dy = h.Upload(h.RandomValues((long)batch * outFeatures));

        using (var y = h.Poisoned((long)batch * outFeatures))
        {
            h.Reference.DenseForward(x.Reference, w.Reference, b.Reference, y.Reference, batch, inFeatures, outFeatures);
            h.Candidate.DenseForward(x.Candidate, w.Candidate, b.Candidate, y.Candidate, batch, inFeatures, outFeatures);
            yield return h.Compare("DenseForward", shape, y, Tolerances.Reduction);
        }

        using (var dx = h.Poisoned((long)batch * inFeatures))
        {
            h.Reference.DenseBackwardData(dy.Reference, w.Reference, dx.Reference, batch, inFeatures, outFeatures);
            h.Candidate.DenseBackwardData(dy.Candidate, w.Candidate, dx.Candidate, batch, inFeatures, outFeatures);
            yield return h.Compare("DenseBackwardData", shape, dx, Tolerances.Reduction);
        }

        using var dw = h.Poisoned((long)outFeatures * inFeatures, MemoryTag.Gradients);
        using var db = h.Poisoned(outFeatures, MemoryTag.Gradients);
        h.Reference.DenseBackwardParameters(x.Reference, dy.Reference, dw.Reference, db.Reference, batch, inFeatures, outFeatures);
        h.Candidate.DenseBackwardParameters(x.Candidate, dy.Candidate, dw.Candidate, db.Candidate, batch, inFeatures, outFeatures);
        yield return h.Compare("DenseBackwardParameters dw", shape, dw, Tolerances.Reduction);
        yield return h.Compare("DenseBackwardParameters db", shape, db, Tolerances.Reduction);
    }

    public static IEnumerable<CheckResult> Relu(ParityHarness h, long n)
    {
        using var x = h.Upload(h.RandomValues(n));
        using var y = h.Poisoned(n);
        h.Reference.ReluForward(x.Reference, y.Reference);
        h.Candidate.ReluForward(x.Candidate, y.Candidate);
        yield return h.Compare("ReluForward", $"{n}", y, Tolerances.Exact);

        using var dy = h.Upload(h.RandomValues(n));
        using (var dx = h.Poisoned(n))
        {
            h.Reference.ReluBackward(y.Reference, dy.Reference, dx.Reference);
            h.Candidate.ReluBackward(y.Candidate, dy.Candidate, dx.Candidate);
            yield return h.Compare("ReluBackward", $"{n}", dx, Tolerances.Exact);
        }

        // Documented aliasing: y may alias x, dx may alias dy.
        h.Reference.ReluBackward(y.Reference, dy.Reference, dy.Reference);
        h.Candidate.ReluBackward(y.Candidate, dy.Candidate, dy.Candidate);
        yield return h.Compare("ReluBackward(in place)", $"{n}", dy, Tolerances.Exact);

        h.Reference.ReluForward(x.Reference, x.Reference);
        h.Candidate.ReluForward(x.Candidate, x.Candidate);
        yield return h.Compare("ReluForward(in place)", $"{n}", x, Tolerances.Exact);
    }

    public static IEnumerable<CheckResult> SoftmaxCrossEntropy(ParityHarness h, int batch, int classes)
    {
        string shape = $"B{batch} C{classes}";
        float[] logits = h.RandomValues((long)batch * classes);
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] *= 4f; // a spread like trained logits, exercising the max subtraction
        }

        using var x = h.Upload(logits);
        using var oneHot = h.Upload(h.OneHot(batch, classes), MemoryTag.Data);
        using var dlogits = h.Poisoned((long)batch * classes);
        float expected = h.Reference.SoftmaxCrossEntropy(x.Reference, oneHot.Reference, dlogits.Reference, batch, classes);
        float actual = h.Candidate.SoftmaxCrossEntropy(x.Candidate, oneHot.Candidate, dlogits.Candidate, batch, classes);
        yield return ErrorMeasure.CompareScalar("SoftmaxCrossEntropy loss", shape, expected, actual, Tolerances.Softmax);
        yield return h.Compare("SoftmaxCrossEntropy dlogits", shape, dlogits, Tolerances.Softmax);
    }

    public static IEnumerable<CheckResult> Sgd(ParityHarness h, int n, SgdHyperParameters hyper)
    {
        string shape = $"{n} lr{hyper.LearningRate} mu{hyper.Momentum} wd{hyper.WeightDecay}";
        using var w = h.Upload(h.RandomValues(n), MemoryTag.Parameters);
        using var g = h.Upload(h.RandomValues(n), MemoryTag.Gradients);
        using var v = h.Upload(h.RandomValues(n), MemoryTag.OptimizerState);
        for (int step = 0; step < 2; step++)
        {
            h.Reference.SgdStep(w.Reference, g.Reference, v.Reference, hyper);
            h.Candidate.SgdStep(w.Candidate, g.Candidate, v.Candidate, hyper);
        }

        yield return h.Compare("SgdStep weights (2 steps)", shape, w, Tolerances.Optimizer);
        if (hyper.Momentum != 0f)
        {
            yield return h.Compare("SgdStep momentum (2 steps)", shape, v, Tolerances.Optimizer);
        }
    }
}
