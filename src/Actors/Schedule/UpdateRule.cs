namespace CyclicActors.Actors.Schedule;

/// <summary>Which parameter version each micro-batch uses (cdp-method.md §3).</summary>
public enum UpdateRule
{
    /// <summary>Data Parallelism: every op of step k uses θ_k; no delay, no stagger.</summary>
    Dp,

    /// <summary>CDP-v1: every op of step k uses θ_{k−1} (θ_{−1} = θ_0), on every stage.</summary>
    CdpV1,

    /// <summary>CDP-v2: stage j of worker i uses θ_k^j when (i, j) is fresh, else θ_{k−1}^j.</summary>
    CdpV2,
}

/// <summary>Which (worker, stage) pairs count as fresh under CDP-v2 (cdp-method.md §3.3).</summary>
public enum V2FreshnessRule
{
    /// <summary>
    /// Fresh when the forward of stage j starts after the last backward of stage j of the previous
    /// step: iδ + 2j − 1 &gt; (N−1)δ, 1-based j. What a truly scheduled runtime can obtain.
    /// </summary>
    Schedule,

    /// <summary>
    /// The authors' code: fresh when l ≥ L − 1 − rank, 0-based l. Reproduces the paper's numbers;
    /// equals <see cref="Schedule"/> only when N = L.
    /// </summary>
    PaperCode,
}
