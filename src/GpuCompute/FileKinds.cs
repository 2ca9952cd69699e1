using System.Runtime.InteropServices;

namespace CyclicActors.GpuCompute;

/// <summary>What a path names once symbolic links are followed.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,

    /// <summary>A FIFO, socket or device: never read as data nor replaced by an output.</summary>
    Special,
}

/// <summary>
/// The kind of file a path names. .NET exposes no file type beyond "directory or not", and a FIFO,
/// a device and a regular file look alike to it; on Linux the type comes from statx(2), whose
/// layout is the same on every architecture. Elsewhere every non-directory counts as regular.
/// </summary>
public static partial class FileKinds
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;
    private const int ModeOffset = 28; // struct statx: stx_mask, stx_blksize, stx_attributes, stx_nlink, stx_uid, stx_gid, then stx_mode
    private const int NoSuchFile = 2;
    private const int NotADirectory = 20;
    private const int PermissionDenied = 13;
    private const int TooManyLinks = 40;

    /// <summary>
    /// The kind of <paramref name="path"/>, following symbolic links (a dangling link is <see cref="FileKind.Missing"/>).
    /// A link loop throws <see cref="IOException"/>, a path this process may not look into <see cref="UnauthorizedAccessException"/>.
    /// </summary>
    public static FileKind Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsLinux() && TryStatx(path, out var kind))
        {
            return kind;
        }

        return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
    }

    private static bool TryStatx(string path, out FileKind kind)
    {
        Span<byte> buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtCurrentDirectory, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            kind = FileKind.Missing;
            return false; // a C library without statx (glibc < 2.28, musl): fall back to what .NET can tell
        }

        if (result != 0)
        {
            kind = Marshal.GetLastPInvokeError() switch
            {
                NoSuchFile or NotADirectory => FileKind.Missing,
                TooManyLinks => throw new IOException("Too many levels of symbolic links"),
                PermissionDenied => throw new UnauthorizedAccessException($"permission denied looking up {path}"),
                var errno => throw new IOException($"statx failed with errno {errno}"),
            };
            return true;
        }

        int mode = BitConverter.ToUInt16(buffer[ModeOffset..]) & TypeMask;
        kind = mode switch
        {
            RegularType => FileKind.Regular,
            DirectoryType => FileKind.Directory,
            _ => FileKind.Special,
        };
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryDescriptor, string path, int flags, uint mask, ref byte buffer);
}
