using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace CyclicActors.Actors.Settings;

/// <summary>
/// Reads a HOCON file strictly. Akka's parser is lenient: it takes an unclosed '{' or '[' as
/// closed at the end of the file, ignores whatever follows a stray '}', keeps a key with no value,
/// and ends in a NullReferenceException on any include. A file of ours is first checked for
/// balanced braces, brackets, strings and substitutions, then parsed with includes resolved next
/// to the including file, then checked for keys that got no value; each problem is reported
/// with the file (and line, where there is one).
/// </summary>
public static class HoconFile
{
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ConfigurationException">The file or a file it includes is not valid HOCON; the message names the file.</exception>
    public static Config Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Configuration file '{path}' does not exist.", path);
        }

        var config = new Config(ParseRoot(path, []));
        return KeyWithoutValue(config.Root, prefix: string.Empty) is { } key
            ? throw new ConfigurationException($"Configuration file '{path}' is not valid HOCON: key '{key}' has no value.")
            : config;
    }

    /// <summary>The first structural problem of <paramref name="text"/> as "line N: what", or null when its brackets, strings and substitutions are all closed and nothing follows a closed root object.</summary>
    public static string? SyntaxProblem(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        var seenContent = false;
        var rootIsBraced = false;
        var rootClosedOnLine = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                continue;
            }

            if (char.IsWhiteSpace(c) || c == '\uFEFF')
            {
                continue;
            }

            if (c == '#' || (c == '/' && At(text, i, "//")))
            {
                i = EndOfLine(text, i) - 1;
                continue;
            }

            if (rootClosedOnLine > 0)
            {
                return $"line {line}: text after the '}}' that closes the file's root object on line {rootClosedOnLine}";
            }

            if (!seenContent)
            {
                seenContent = true;
                rootIsBraced = c == '{';
            }

            switch (c)
            {
                case '"' when At(text, i, "\"\"\""):
                    var close = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        return $"line {line}: a \"\"\" string is never closed";
                    }

                    line += text.AsSpan(i, close - i).Count('\n');
                    i = close + 2;
                    break;
                case '"':
                    i = EndOfQuotedString(text, i);
                    if (i < 0)
                    {
                        return $"line {line}: a quoted string is not closed on its line";
                    }

                    break;
                case '$' when At(text, i, "${"):
                    var end = text.IndexOfAny(['}', '\n'], i);
                    if (end < 0 || text[end] != '}')
                    {
                        return $"line {line}: a ${{ substitution is not closed on its line";
                    }

                    i = end;
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0)
                    {
                        return $"line {line}: '{c}' has no matching '{expected}'";
                    }

                    var (bracket, openedOn) = open.Pop();
                    if (bracket != expected)
                    {
                        return $"line {line}: '{c}' closes the '{bracket}' opened on line {openedOn}";
                    }

                    if (open.Count == 0 && rootIsBraced)
                    {
                        rootClosedOnLine = line;
                    }

                    break;
            }
        }

        return open.Count == 0 ? null : $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed";
    }

    private static HoconRoot ParseRoot(string path, IReadOnlyList<string> including)
    {
        var fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Configuration file '{path}' cannot be read: {e.Message}");
        }

        if (SyntaxProblem(text) is { } problem)
        {
            throw new ConfigurationException($"Configuration file '{path}' is not valid HOCON: {problem}.");
        }

        var directory = Path.GetDirectoryName(fullPath) ?? ".";
        try
        {
            return Parser.Parse(text, included => Include(path, Path.Combine(directory, included), [.. including, fullPath]));
        }
        // Akka's parser reports bad text as FormatException, and a value cut off by the end of the
        // file as a bare Exception; ours (includes) are ConfigurationExceptions that already name their file.
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"Configuration file '{path}' is not valid HOCON: {e.Message}");
        }
    }

    private static HoconRoot Include(string includer, string included, IReadOnlyList<string> including)
    {
        if (!File.Exists(included))
        {
            throw new ConfigurationException($"Configuration file '{includer}' includes '{included}', which does not exist.");
        }

        return including.Contains(Path.GetFullPath(included))
            ? throw new ConfigurationException($"Configuration file '{includer}' includes '{included}', which includes it again (an include cycle).")
            : ParseRoot(included, including);
    }

    /// <summary>The path of the first key that has no value (Akka keeps a lone word on a line as such a key), or null.</summary>
    private static string? KeyWithoutValue(HoconValue value, string prefix)
    {
        if (!value.IsObject())
        {
            return null;
        }

        foreach (var (key, child) in value.GetObject().Items)
        {
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (child.Values.Count == 0)
            {
                return path;
            }

            if (KeyWithoutValue(child, path) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static bool At(string text, int index, string token) => string.CompareOrdinal(text, index, token, 0, token.Length) == 0;

    private static int EndOfLine(string text, int index)
    {
        var end = text.IndexOf('\n', index);
        return end < 0 ? text.Length : end;
    }

    /// <summary>The index of the quote that closes the string opening at <paramref name="start"/>, or -1 if the line ends first.</summary>
    private static int EndOfQuotedString(string text, int start)
    {
        for (var i = start + 1; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\':
                    i++;
                    break;
                case '"':
                    return i;
                case '\n':
                    return -1;
            }
        }

        return -1;
    }
}
