namespace CyclicActors.Host.Cli;

/// <summary>Bad command-line input: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message)
{
    /// <summary>Runs a parser of library values, turning its <see cref="ArgumentException"/> into a usage error.</summary>
    public static T Wrap<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e)
        {
            throw From(e);
        }
    }

    /// <summary>Wraps a validation error without the " (Parameter 'x')" tail .NET appends.</summary>
    public static UsageException From(ArgumentException e)
    {
        string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
        return new UsageException(message);
    }
}
