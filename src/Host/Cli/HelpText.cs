using System.Text;

namespace CyclicActors.Host.Cli;

internal static class HelpText
{
    public static string For(string command, string summary, IReadOnlyList<OptionSpec> specs)
    {
        var text = new StringBuilder();
        text.AppendLine($"cyclic {command}: {summary}");
        text.AppendLine();
        int width = specs.Max(s => s.Name.Length + (s.ValueName?.Length + 1 ?? 0)) + 4;
        foreach (var spec in specs)
        {
            string left = $"--{spec.Name}{(spec.ValueName is null ? "" : " " + spec.ValueName)}";
            string dflt = spec.Default is null ? "" : $" (default: {spec.Default})";
            text.AppendLine($"  {left.PadRight(width)}{spec.Help}{dflt}");
        }

        return text.ToString();
    }
}
