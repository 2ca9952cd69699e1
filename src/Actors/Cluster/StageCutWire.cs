using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// A <see cref="StageCut"/> as one tensor on a link: its parts one after the other, each the stage's
/// size (θ_k, momentum, then what the rule reads: θ_{k−1}; with look-ahead its momentum and every
/// rank's last gradient). The label carries step and stage, and <see cref="Marker"/> in its rank slot
/// (a final state and a publication carry 0). Which parts are there follows from the run's rule,
/// compensation and world size, which both ends know, so the receiver splits it without trusting a
/// length from the wire.
/// </summary>
public static class StageCutWire
{
    public const int Marker = 1;

    public static TransferLabel Label(StageCut cut, int round)
    {
        ArgumentNullException.ThrowIfNull(cut);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        return new TransferLabel(cut.Step, Reduce.ReducerShards.WireStage(cut.Stage, cut.Shard), Marker + round);
    }

    public static bool IsCut(TransferLabel label) => label.Rank >= Marker;

    /// <summary>The round a cut's label was sent in.</summary>
    public static int RoundOf(TransferLabel label) => label.Rank - Marker;

    public static float[] Flatten(StageCut cut)
    {
        ArgumentNullException.ThrowIfNull(cut);
        return [.. cut.Parameters, .. cut.Momentum, .. cut.PreviousParameters, .. cut.PreviousMomentum, .. cut.LastGradients.SelectMany(g => g)];
    }

    /// <summary>How many stage-sized parts a cut at <paramref name="step"/> carries.</summary>
    public static int Parts(UpdateRule rule, DelayCompensation compensation, int workers, int step) =>
        2 + (TrainingCut.ReadsPreviousVersion(rule, step) ? 1 : 0) + (TrainingCut.ReadsLastGradients(rule, compensation, step) ? 1 + workers : 0);

    /// <exception cref="InvalidOperationException">The tensor's length is not a whole number of parts (a malformed or foreign tensor).</exception>
    public static StageCut Split(TransferLabel label, ReadOnlySpan<float> values, UpdateRule rule, DelayCompensation compensation, int workers)
    {
        int parts = Parts(rule, compensation, workers, label.Step);
        // A stage without parameters (activations only) has a cut of empty parts.
        if (values.Length % parts != 0)
        {
            throw new InvalidOperationException($"A cut of stage {label.Stage} at step {label.Step} has {values.Length} values, not {parts} equal parts.");
        }

        int size = values.Length / parts;
        var split = new float[parts][];
        for (var part = 0; part < parts; part++)
        {
            split[part] = values.Slice(part * size, size).ToArray();
        }

        var previous = TrainingCut.ReadsPreviousVersion(rule, label.Step) ? split[2] : [];
        bool lookahead = TrainingCut.ReadsLastGradients(rule, compensation, label.Step);
        var previousMomentum = lookahead ? split[3] : [];
        var gradients = lookahead ? split[4..] : [];
        var (stage, shard) = Reduce.ReducerShards.FromWire(label.Stage);
        return new StageCut(stage, label.Step, split[0], split[1], previous, previousMomentum, gradients) { Shard = shard };
    }
}
