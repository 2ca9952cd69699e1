using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Planning;

/// <summary>
/// A consistent cut of a run at step boundary <paramref name="Step"/>: every stage's
/// <see cref="StageCut"/> at that boundary, by stage. Everything the steps from <paramref name="Step"/>
/// on read, so a run started from it (<see cref="ActorTrainingOptions.Resume"/>) continues bitwise as
/// the uninterrupted run would: the steps are pure functions of the parameter versions they read,
/// their data (a function of the step) and, with look-ahead, the worker's own last gradient.
/// </summary>
public sealed record TrainingCut(int Step, IReadOnlyList<StageCut> Stages)
{
    /// <summary>The world size of the run that took it (0: not recorded).</summary>
    public int Workers { get; init; }

    /// <summary>The steps the run that took it skipped (--on-nonfinite skip), which a run resumed from it skips too.</summary>
    public IReadOnlyList<int> SkippedSteps { get; init; } = [];

    /// <summary>
    /// The cut for a run of <paramref name="workers"/> workers: with fewer than took it (a run that
    /// shrank), ranks 0..workers−1 keep their last gradients; everything else is the same.
    /// </summary>
    public TrainingCut ForWorkers(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        return this with
        {
            Workers = workers,
            Stages = [.. Stages.Select(stage => stage.LastGradients.Length > workers ? stage with { LastGradients = stage.LastGradients[..workers] } : stage)],
        };
    }

    /// <summary>Whether ops from <paramref name="step"/> on can read θ_{step−1}: every CDP rule, from step 1.</summary>
    public static bool ReadsPreviousVersion(UpdateRule rule, int step) => rule != UpdateRule.Dp && step >= 1;

    /// <summary>Whether stale forwards from <paramref name="step"/> on build look-ahead points (they need θ_{step−1}'s momentum and each worker's last gradient).</summary>
    public static bool ReadsLastGradients(UpdateRule rule, DelayCompensation compensation, int step) =>
        compensation == DelayCompensation.Lookahead && ReadsPreviousVersion(rule, step);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first part that does not fit the run.</summary>
    public void Validate(CdpSchedule schedule, IReadOnlyList<long> stageSizes, DelayCompensation compensation, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(stageSizes);
        if (Step < 0 || Step >= totalSteps)
        {
            throw new ArgumentException($"The run resumes at step {Step} but has {totalSteps} steps: nothing is left to train (give more --epochs or --steps).");
        }

        if (Stages.Count != schedule.Stages)
        {
            throw new ArgumentException($"The cut holds {Stages.Count} stages; the run has {schedule.Stages}.");
        }

        bool previous = ReadsPreviousVersion(schedule.Rule, Step);
        bool gradients = ReadsLastGradients(schedule.Rule, compensation, Step);
        for (var stage = 0; stage < Stages.Count; stage++)
        {
            var cut = Stages[stage];
            long size = stageSizes[stage];
            string where = $"stage {stage + 1} of the cut at step {Step}";
            Check(cut.Stage == stage && cut.Step == Step, $"{where} is labelled stage index {cut.Stage}, step {cut.Step}");
            Check(cut.Parameters.Length == size, $"{where} holds {cut.Parameters.Length} parameters; the stage has {size}");
            Check(cut.Momentum.Length == size, $"{where} holds {cut.Momentum.Length} momentum values; the stage has {size}");
            Check(!previous || cut.PreviousParameters.Length == size, $"{where} lacks θ_{Step - 1}, which {schedule.Rule} reads");
            Check(!gradients || cut.PreviousMomentum.Length == size, $"{where} lacks the momentum published with θ_{Step - 1}, which look-ahead reads");
            Check(!gradients || (cut.LastGradients.Length == schedule.Workers && cut.LastGradients.All(g => g.Length == size)),
                $"{where} lacks the {schedule.Workers} workers' gradients of step {Step - 1}, which look-ahead reads");
        }
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException(problem + ".");
        }
    }
}
