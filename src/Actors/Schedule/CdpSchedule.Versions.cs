namespace CyclicActors.Actors.Schedule;

/// <summary>
/// Parameter versions. Version v is θ_v, the parameters after v applied updates; θ_0 is the
/// initialisation.
/// </summary>
/// <remarks>
/// <para><b>How the reducer maps contributions to versions (every rule).</b> The reducer of stage j
/// owns the master θ^j and its momentum. When all N contributions of step t are in, it folds them
/// into g_t = (1/N) Σ_i ∇_j F(θ^{(i)}; x_{t,i}) and applies θ_{t+1}^j = θ_t^j − η·Mom(g_t + wd·θ_t^j),
/// publishing version t + 1 (<see cref="VersionPublishedAfterFolding"/>). This is the same for DP,
/// CDP-v1 and CDP-v2 because the three rules of cdp-method.md §3 share the recurrence
/// θ_{t+1} = θ_t − η·g_t; they differ only in which version the ops of step t <i>read</i>
/// (<see cref="RequiredVersion"/>): DP θ_t, v1 θ_{t−1}, v2 θ_t or θ_{t−1} per (worker, stage).
/// Weight decay uses the current master θ_t, not the delayed one, as PyTorch SGD does in the
/// authors' code (§3.4).</para>
/// <para><b>The authors' code counts differently.</b> There every rank keeps its own copy and, at
/// the end of iteration t, applies to each stage block the averaged gradient of step t (DP, fresh
/// v2 blocks) or of step t − 1 (v1, stale v2 blocks; nothing at t = 0). Its copy after iteration t
/// therefore holds the version step t + 1 reads. <see cref="ReferenceAppliedGradientStep"/> gives
/// that view; the "no update at the first iteration" of §9.1 item 11 is, in our runtime, simply
/// step 1 still reading θ_0 although θ_1 has been published.</para>
/// </remarks>
public sealed partial class CdpSchedule
{
    /// <summary>
    /// Whether (worker, stage) reads the current version θ_k at step k ≥ 1: always under DP, never
    /// under v1, per <see cref="Freshness"/> under v2.
    /// </summary>
    public bool IsFresh(int worker, int stage)
    {
        CheckWorker(worker);
        CheckStage(stage);
        return Rule switch
        {
            UpdateRule.Dp => true,
            UpdateRule.CdpV1 => false,
            UpdateRule.CdpV2 => V2Freshness.IsFresh(Freshness, Workers, Stages, worker, stage),
            _ => throw new InvalidOperationException($"Unknown update rule {Rule}."),
        };
    }

    /// <summary>
    /// The version the forward and the backward of (step, worker, stage) must both use:
    /// DP k; v1 max(k − 1, 0); v2 k when fresh, else max(k − 1, 0).
    /// </summary>
    public int RequiredVersion(int step, int worker, int stage)
    {
        CheckStep(step);
        return IsFresh(worker, stage) ? step : Math.Max(step - 1, 0);
    }

    /// <summary>
    /// The figure's slash: the op uses an older version than the newest complete one when it runs,
    /// i.e. <see cref="RequiredVersion"/> &lt; <see cref="TrainingStepWindow"/> of its tick. The windows
    /// are the figure's whole-model step boundaries, not per-stage completion: in Figure 1 worker 0's
    /// F_3 of step 2 (tick 14, window 1, reads θ_1) is unslashed. Under v1 this marks exactly the
    /// ops of step k ≥ 1 that run in window k; DP ops are never stale.
    /// </summary>
    public bool IsStale(ScheduledOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        return RequiredVersion(op.Step, op.Worker, op.Stage) < TrainingStepWindow(op.Tick);
    }

    /// <summary><see cref="IsStale(ScheduledOp)"/> for the op identified by (step, worker, stage, kind).</summary>
    public bool IsStale(int step, int worker, int stage, OpKind kind) =>
        IsStale(new ScheduledOp(worker, step, stage, kind, TickOf(step, worker, stage, kind)));

    /// <summary>
    /// The version a stage reducer publishes once it has folded all N contributions of
    /// <paramref name="step"/>: step + 1, for every rule (see the class remarks).
    /// </summary>
    public int VersionPublishedAfterFolding(int step)
    {
        CheckStep(step);
        return step + 1;
    }
}
