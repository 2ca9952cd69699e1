using Akka.Configuration;
using CyclicActors.Actors.Settings;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>`train --config FILE`: HOCON over the shipped settings, checked before anything trains.</summary>
internal static class TrainingSettingsFile
{
    /// <exception cref="UsageException">The file is missing or unreadable, is not HOCON, or a setting in it is invalid (named).</exception>
    public static string Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--config {path}: {e.Message}");
        }

        try
        {
            CyclicSettings.From(CyclicSettings.WithFallbackToReference(ConfigurationFactory.ParseString(text)));
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
        {
            throw new UsageException($"--config {path}: {e.Message}");
        }

        return text;
    }
}
