namespace CyclicActors.GpuCompute;

/// <summary>
/// Opens input files (data, checkpoints) only when they are regular files. Anything else is refused
/// before it is opened: opening a FIFO blocks until a writer appears (a run that hangs), and a device
/// or socket never ends or reports no size.
/// </summary>
internal static class RegularFile
{
    /// <summary>
    /// Opens <paramref name="path"/> for reading, following symbolic links. A missing file throws
    /// <see cref="FileNotFoundException"/>; a link loop, a directory or a non-regular file throws
    /// <see cref="IOException"/> whose message is the problem alone (callers prefix the path).
    /// </summary>
    public static FileStream OpenRead(string path)
    {
        switch (FileKinds.Of(path))
        {
            case FileKind.Missing:
                throw new FileNotFoundException($"{path} not found", path);
            case FileKind.Directory:
                throw new IOException("a directory, not a file");
            case FileKind.Special:
                throw new IOException("not a regular file (a FIFO, socket or device); inputs must be regular files");
        }

        // Checked before opening: size 0 is also what a FIFO or device reports where FileKinds cannot tell them apart (not Linux).
        if (new FileInfo(path).Length == 0)
        {
            throw new IOException("empty or not a regular file; inputs must be regular files holding data");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
    }

    /// <summary>The whole content of <paramref name="path"/>, exactly the size it had when opened (a growing file cannot make the read run on).</summary>
    public static byte[] ReadAllBytes(string path)
    {
        using var stream = OpenRead(path);
        long length = stream.Length;
        if (length > Array.MaxLength)
        {
            throw new IOException($"{length:N0} bytes, larger than one array can hold");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The problem an I/O exception describes, without .NET's " : 'path'" tail (callers name the path themselves).</summary>
    public static string Problem(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        _ => e.Message.Split(" : ", 2)[0].TrimEnd('.'),
    };
}
