using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Coordination;

/// <summary>
/// Gathers the reducers' <see cref="StageCut"/>s into whole <see cref="TrainingCut"/>s (pure, no
/// actors). Reducers fold independently, so one stage may send its cut at step 2K before another
/// sent its cut at K; a cut is complete when every stage's share of that step is in, and complete cuts
/// leave in step order. Each (step, stage) is accepted once.
/// </summary>
public sealed class CutAssembler
{
    private readonly SortedDictionary<int, StageCut?[]> _pending = [];
    private int _lastDelivered = -1;

    public CutAssembler(int stages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        Stages = stages;
    }

    public int Stages { get; }

    /// <summary>Steps with some but not all stages in.</summary>
    public int Pending => _pending.Count;

    /// <summary>Accepts a stage's share; returns the cuts this completes, oldest first.</summary>
    /// <exception cref="InvalidOperationException">A share arrived twice, or for a stage or a step that cannot have one.</exception>
    public IReadOnlyList<TrainingCut> Accept(StageCut share)
    {
        ArgumentNullException.ThrowIfNull(share);
        if (share.Stage < 0 || share.Stage >= Stages || share.Step <= _lastDelivered)
        {
            throw new InvalidOperationException($"A cut of stage index {share.Stage} at step {share.Step} is unexpected ({Stages} stages; cuts up to step {_lastDelivered} are complete).");
        }

        if (!_pending.TryGetValue(share.Step, out var shares))
        {
            shares = new StageCut?[Stages];
            _pending[share.Step] = shares;
        }

        if (shares[share.Stage] is not null)
        {
            throw new InvalidOperationException($"Stage index {share.Stage} sent its cut at step {share.Step} twice.");
        }

        shares[share.Stage] = share;
        var complete = new List<TrainingCut>();
        // A stage takes its cuts in step order, so the oldest pending step completes first.
        while (_pending.Count > 0 && _pending.First() is var (step, first) && first.All(s => s is not null))
        {
            _pending.Remove(step);
            _lastDelivered = step;
            complete.Add(new TrainingCut(step, first!));
        }

        return complete;
    }
}
