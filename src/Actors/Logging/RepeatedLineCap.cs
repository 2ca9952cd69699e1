using System.Globalization;

namespace CyclicActors.Actors.Logging;

/// <summary>
/// Decides which log lines are printed so that no failure repeated in a loop can fill a disk.
/// Lines with the same key (level, source and message template) are printed
/// <see cref="RepeatsPerWindow"/> times per <see cref="Window"/>, counted from the first of them;
/// the rest are counted, and when the window ends one summary line tells how many were left out.
/// Whatever the keys, at most <see cref="LinesPerWindow"/> lines are printed per window, which
/// also bounds how many keys are tracked. Pure state: the caller supplies the time and prints
/// what it is given; not thread-safe (one logger actor owns it).
/// </summary>
public sealed class RepeatedLineCap
{
    private readonly Dictionary<string, Repeats> _repeats = new(StringComparer.Ordinal);
    private DateTime _windowStart = DateTime.MinValue;
    private int _printedInWindow;
    private long _overLineLimit;

    public RepeatedLineCap(TimeSpan window, int repeatsPerWindow, int linesPerWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeatsPerWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(linesPerWindow, 1);
        Window = window;
        RepeatsPerWindow = repeatsPerWindow;
        LinesPerWindow = linesPerWindow;
    }

    public TimeSpan Window { get; }

    public int RepeatsPerWindow { get; }

    public int LinesPerWindow { get; }

    /// <summary>Lines with different keys being tracked (for tests: the table stays bounded).</summary>
    public int TrackedKeys => _repeats.Count;

    /// <summary>
    /// What to print, in order, now that <paramref name="text"/> (with <paramref name="key"/>) was
    /// logged at <paramref name="now"/>: summaries of windows that ended, then the line itself
    /// unless it is one repeat too many.
    /// </summary>
    public IReadOnlyList<string> Admit(string key, string text, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(text);
        var lines = Flush(now).ToList();
        if (_repeats.TryGetValue(key, out var repeats))
        {
            repeats.Seen++;
            if (repeats.Seen > RepeatsPerWindow)
            {
                repeats.Suppressed++;
                return lines;
            }
        }

        if (_printedInWindow >= LinesPerWindow)
        {
            _overLineLimit++;
            return lines;
        }

        if (repeats is null)
        {
            _repeats[key] = new Repeats(text, now);
        }

        _printedInWindow++;
        lines.Add(text);
        return lines;
    }

    /// <summary>Summaries of the windows that have ended by <paramref name="now"/> with lines left out; those windows are forgotten.</summary>
    public IReadOnlyList<string> Flush(DateTime now)
    {
        var lines = new List<string>();
        foreach (var (key, repeats) in _repeats.Where(pair => now - pair.Value.Start >= Window).ToArray())
        {
            _repeats.Remove(key);
            if (repeats.Suppressed > 0)
            {
                lines.Add(Summary(repeats));
            }
        }

        if (now - _windowStart >= Window)
        {
            if (_overLineLimit > 0)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"(suppressed {_overLineLimit} log lines over the limit of {LinesPerWindow} per {Window.TotalSeconds:0.###} s)"));
            }

            _windowStart = now;
            _printedInWindow = 0;
            _overLineLimit = 0;
        }

        return lines;
    }

    /// <summary>Summaries of every line left out so far, whether or not its window has ended (at shutdown).</summary>
    public IReadOnlyList<string> FlushAll()
    {
        var lines = Flush(DateTime.MaxValue);
        _windowStart = DateTime.MinValue;
        return lines;
    }

    private string Summary(Repeats repeats) => string.Create(CultureInfo.InvariantCulture,
        $"(suppressed {repeats.Suppressed} repeats within {Window.TotalSeconds:0.###} s of: {FirstLine(repeats.Text)})");

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end] + " …";
    }

    private sealed class Repeats(string text, DateTime start)
    {
        public string Text { get; } = text;

        public DateTime Start { get; } = start;

        public long Seen { get; set; } = 1;

        public long Suppressed { get; set; }
    }
}
