using System.Buffers.Binary;

namespace CyclicActors.GpuCompute.Data;

/// <summary>
/// The IDX format (LeCun's MNIST files) restricted to unsigned bytes: a big-endian int32 magic
/// 0x0000_08_DD (type 0x08 = unsigned byte, DD = number of dimensions), DD big-endian int32 sizes,
/// then the bytes, row-major, with nothing after them.
/// </summary>
internal sealed class IdxFile
{
    /// <summary>No real IDX file comes close: guards against allocating gigabytes from a corrupt header.</summary>
    private static readonly long MaxElements = Array.MaxLength;

    private const int UnsignedByteType = 0x08;

    private IdxFile(int[] dimensions, byte[] content, int dataOffset)
    {
        Dimensions = dimensions;
        Content = content;
        DataOffset = dataOffset;
    }

    public int[] Dimensions { get; }

    /// <summary>The decoded file; the data starts at <see cref="DataOffset"/>.</summary>
    public byte[] Content { get; }

    public int DataOffset { get; }

    public ReadOnlySpan<byte> Data => Content.AsSpan(DataOffset);

    public static IdxFile Read(string path, int expectedDimensions, string contentDescription)
    {
        var content = DataFile.ReadDecoded(path);
        var expectedMagic = (UnsignedByteType << 8) | expectedDimensions;
        if (content.Length < 4)
        {
            throw new DataFormatException(path, $"truncated: {content.Length} bytes, too short for an IDX magic number");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(content);
        if (magic >> 8 != UnsignedByteType)
        {
            throw new DataFormatException(path,
                $"wrong magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} (IDX {contentDescription}); is this an IDX file?");
        }

        var dimensionCount = magic & 0xFF;
        if (dimensionCount != expectedDimensions)
        {
            throw new DataFormatException(path,
                $"wrong number of dimensions {dimensionCount} (magic 0x{magic:X8}), expected {expectedDimensions} for {contentDescription}");
        }

        var headerBytes = 4 + (4 * dimensionCount);
        if (content.Length < headerBytes)
        {
            throw new DataFormatException(path, $"truncated: {content.Length} bytes, shorter than the {headerBytes}-byte header");
        }

        var dimensions = new int[dimensionCount];
        long elements = 1;
        for (var d = 0; d < dimensionCount; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4 + (4 * d)));
            if (dimensions[d] <= 0)
            {
                throw new DataFormatException(path, $"dimension {d} has size {dimensions[d]}; sizes must be positive");
            }

            elements *= dimensions[d];
            if (elements > MaxElements)
            {
                throw new DataFormatException(path,
                    $"absurd sizes [{string.Join(", ", dimensions.Take(d + 1))}]: more than {MaxElements} elements");
            }
        }

        var actual = content.Length - headerBytes;
        if (actual < elements)
        {
            throw new DataFormatException(path,
                $"truncated: header declares sizes [{string.Join(", ", dimensions)}] = {elements} bytes of data, the file holds {actual}");
        }

        if (actual > elements)
        {
            throw new DataFormatException(path,
                $"trailing garbage: {actual - elements} bytes after the {elements} bytes of data that sizes [{string.Join(", ", dimensions)}] declare");
        }

        return new IdxFile(dimensions, content, headerBytes);
    }
}
