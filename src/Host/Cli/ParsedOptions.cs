using System.Globalization;

namespace CyclicActors.Host.Cli;

/// <summary>
/// Flags of one command, parsed against its declared <see cref="OptionSpec"/>s: unknown flags,
/// missing values, repeated flags and malformed numbers are <see cref="UsageException"/>s that name the flag.
/// </summary>
internal sealed class ParsedOptions
{
    private readonly Dictionary<string, List<string>> _values;
    private readonly Dictionary<string, string> _origins;
    private readonly string _command;

    private ParsedOptions(string command, Dictionary<string, List<string>> values, Dictionary<string, string>? origins = null)
    {
        _command = command;
        _values = values;
        _origins = origins ?? [];
    }

    /// <param name="positionals">Whether the command takes arguments that are not flags (<c>cyclic plot FILE...</c>), kept in <see cref="Positionals"/>.</param>
    public static ParsedOptions Parse(string command, IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args, bool positionals = false)
    {
        var byName = specs.ToDictionary(s => s.Name);
        var values = new Dictionary<string, List<string>>();
        var loose = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            // -h is --help, as in every .NET tool, where the command has help.
            string arg = args[i] == "-h" && byName.ContainsKey("help") ? "--help" : args[i];
            if (positionals && !arg.StartsWith('-'))
            {
                loose.Add(arg);
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"unexpected argument '{arg}' for '{command}' (flags start with --; see 'cyclic {command} --help')");
            }

            string name = arg[2..];
            string? inlineValue = null;
            int equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                inlineValue = name[(equals + 1)..];
                name = name[..equals];
            }

            if (!byName.TryGetValue(name, out var spec))
            {
                throw new UsageException($"unknown flag --{name} for '{command}'{Suggestion.DidYouMean(name, specs.Select(s => s.Name), "--")} (valid: {string.Join(" ", specs.Select(s => "--" + s.Name))})");
            }

            string value;
            if (spec.ValueName is null)
            {
                if (inlineValue is not null)
                {
                    throw new UsageException($"--{name} takes no value");
                }

                value = "true";
            }
            else if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value ({spec.ValueName})");
            }

            if (!values.TryGetValue(name, out var list))
            {
                list = [];
                values[name] = list;
            }
            else if (!spec.Repeatable)
            {
                throw new UsageException($"--{name} was given more than once");
            }

            list.Add(value);
        }

        return new ParsedOptions(command, values) { Positionals = loose };
    }

    /// <summary>The arguments that are not flags, in order (only for a command parsed with positionals).</summary>
    public IReadOnlyList<string> Positionals { get; private init; } = [];

    /// <summary>
    /// These options plus <paramref name="defaults"/> for every flag not given on the command line
    /// (the command line wins); a bad value is reported under its origin (e.g. a configuration key
    /// and file) instead of the flag.
    /// </summary>
    public ParsedOptions WithDefaults(IEnumerable<(string Name, string Value, string Origin)> defaults)
    {
        var values = _values.ToDictionary(pair => pair.Key, pair => pair.Value.ToList());
        var origins = new Dictionary<string, string>(_origins);
        foreach (var (name, value, origin) in defaults)
        {
            if (values.TryAdd(name, [value]))
            {
                origins[name] = origin;
            }
        }

        return new ParsedOptions(_command, values, origins) { Positionals = Positionals };
    }

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>How an error names where a value came from: the flag, or the configuration key it was read from.</summary>
    private string Label(string name) => _origins.TryGetValue(name, out var origin) ? origin : "--" + name;

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public string String(string name, string fallback) => String(name) ?? fallback;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public string Choice(string name, string fallback, params string[] choices)
    {
        string value = String(name, fallback);
        return choices.Contains(value) ? value : throw new UsageException($"{Label(name)} must be one of {string.Join(", ", choices)}; got '{value}'{Suggestion.DidYouMean(value, choices)}");
    }

    /// <summary>The value of <paramref name="name"/> (or <paramref name="fallback"/>) through <paramref name="parse"/>, whose refusal names the flag or key.</summary>
    public T Parsed<T>(string name, string fallback, Func<string, T> parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return parse(String(name, fallback));
        }
        catch (ArgumentException e)
        {
            var message = UsageException.From(e).Message;
            // The name parsers list their spellings as "valid values: a, b, c.": a near miss gets a suggestion.
            var listed = message.IndexOf("valid values: ", StringComparison.Ordinal);
            var suggestion = listed < 0 ? "" : Suggestion.DidYouMean(String(name, fallback), message[(listed + 14)..].TrimEnd('.').Split(", "));
            throw new UsageException($"{Label(name)}: {message.TrimEnd('.')}{suggestion}");
        }
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = String(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            throw new UsageException($"{Label(name)} must be an integer; got '{text}'");
        }

        return value >= min && value <= max ? value : throw new UsageException($"{Label(name)} must be between {min} and {max}; got {value}");
    }

    public float Float(string name, float fallback, float min = float.MinValue, float max = float.MaxValue)
    {
        string? text = String(name);
        if (text is null)
        {
            return fallback;
        }

        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
        {
            throw new UsageException($"{Label(name)} must be a number; got '{text}'");
        }

        return value >= min && value <= max ? value : throw new UsageException($"{Label(name)} must be between {min} and {max}; got {value}");
    }

    public ulong ULong(string name, ulong fallback)
    {
        string? text = String(name);
        if (text is null)
        {
            return fallback;
        }

        return ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw new UsageException($"{Label(name)} must be a non-negative integer; got '{text}'");
    }

    public override string ToString() => $"{_command} {string.Join(" ", _values.Select(kv => $"--{kv.Key} {string.Join(",", kv.Value)}"))}";
}
