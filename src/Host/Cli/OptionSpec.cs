namespace CyclicActors.Host.Cli;

/// <summary>A flag a command accepts. A null <see cref="ValueName"/> means a switch without a value.</summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Help, string? Default = null, bool Repeatable = false);
