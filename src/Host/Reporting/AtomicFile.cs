namespace CyclicActors.Host.Reporting;

/// <summary>Writes a file through a temporary sibling and a rename, so readers never see half a file.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string contents)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        string temp = $"{full}.tmp-{Environment.ProcessId}";
        File.WriteAllText(temp, contents);
        File.Move(temp, full, overwrite: true);
    }
}
