using System.Text;

namespace CyclicActors.GpuCompute.Cuda.Loading;

/// <summary>
/// Runs load steps in order with an injected loader and records every attempt, so the trace can be
/// put into error messages (TorchSharp's LoadNativeBackend pattern). Stops at the first required
/// library that no candidate could load: later libraries depend on the earlier ones.
/// </summary>
internal sealed class LoadSequence
{
    private readonly Func<string, LoadAttempt> _load;
    private readonly StringBuilder _trace = new();
    private readonly Dictionary<string, nint> _loaded = new(StringComparer.Ordinal);

    public LoadSequence(Func<string, LoadAttempt> load) => _load = load;

    public string Trace => _trace.ToString();

    public IReadOnlyDictionary<string, nint> Loaded => _loaded;

    /// <summary>
    /// Loads every step; returns null on success or the reason the first required step failed.
    /// Optional steps that failed are tried once more at the end, when everything they might
    /// depend on (later in the order) has been loaded.
    /// </summary>
    public string? Run(IEnumerable<LoadStep> steps)
    {
        var retry = new List<LoadStep>();
        foreach (LoadStep step in steps)
        {
            if (RunStep(step))
            {
                continue;
            }

            if (step.Required)
            {
                string tried = step.Candidates.Count == 0 ? "no candidates" : string.Join(", ", step.Candidates);
                return $"{step.Soname} ({step.Why}) not loadable; tried: {tried}";
            }

            retry.Add(step);
        }

        foreach (LoadStep step in retry.Where(s => s.Candidates.Count > 0))
        {
            _trace.Append("  retry after the others: ");
            RunStep(step);
        }

        return null;
    }

    private bool RunStep(LoadStep step)
    {
        if (_loaded.ContainsKey(step.Soname))
        {
            return true;
        }

        _trace.Append("  ").Append(step.Soname).Append(step.Required ? " (required)" : " (optional)").AppendLine();
        if (step.Candidates.Count == 0)
        {
            _trace.AppendLine("    no candidate found");
        }

        foreach (string candidate in step.Candidates)
        {
            LoadAttempt attempt = _load(candidate);
            if (attempt.Loaded)
            {
                _trace.Append("    ").Append(candidate).AppendLine(" -> loaded");
                _loaded[step.Soname] = attempt.Handle;
                return true;
            }

            _trace.Append("    ").Append(candidate).Append(" -> ").AppendLine(OneLine(attempt.Error));
        }

        return false;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
