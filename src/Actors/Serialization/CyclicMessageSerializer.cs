using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using MessagePack.Resolvers;

namespace CyclicActors.Actors.Serialization;

/// <summary>
/// MessagePack serializer for <see cref="Protocol.ICyclicMessage"/>s: explicit keys, a static
/// manifest table, float arrays as one blob, and input treated as untrusted. An unknown type or
/// manifest throws <see cref="SerializationException"/> (which remoting treats as a dropped
/// message, not a broken connection).
/// </summary>
public sealed class CyclicMessageSerializer : SerializerWithStringManifest
{
    /// <summary>Unique among the serializers of the system; 0–40 are Akka's.</summary>
    public const int SerializerId = 4171;

    internal static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create([FloatArrayBlobFormatter.Instance, ByteSliceFormatter.Instance], [StandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    public CyclicMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        MessageManifests.TryGetManifest(o.GetType(), out var manifest)
            ? manifest
            : throw new SerializationException($"{o.GetType().FullName} is not a registered CyclicActors message type.");

    public override byte[] ToBinary(object obj)
    {
        var type = obj.GetType();
        if (!MessageManifests.TryGetManifest(type, out _))
        {
            throw new SerializationException($"{type.FullName} is not a registered CyclicActors message type.");
        }

        return MessagePackSerializer.Serialize(type, obj, Options);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!MessageManifests.TryGetType(manifest, out var type))
        {
            throw new SerializationException($"Unknown CyclicActors message manifest '{manifest}'.");
        }

        object message;
        try
        {
            message = MessagePackSerializer.Deserialize(type, bytes, Options)
                ?? throw new SerializationException($"A '{manifest}' message deserialized to null.");
        }
        catch (MessagePackSerializationException e)
        {
            throw new SerializationException($"Malformed '{manifest}' message: {e.Message}", e);
        }

        RequireAllFields(message, manifest);
        return message;
    }

    /// <summary>
    /// MessagePack fills keys missing from the input with defaults; for our records a null array is
    /// never valid, so a truncated or foreign message is rejected here rather than failing later.
    /// </summary>
    private static void RequireAllFields(object message, string manifest)
    {
        foreach (var property in ReferenceProperties(message.GetType()))
        {
            if (property.GetValue(message) is null)
            {
                throw new SerializationException($"The '{manifest}' message has no value for {property.Name}.");
            }
        }
    }

    private static IReadOnlyList<System.Reflection.PropertyInfo> ReferenceProperties(Type type) =>
        ReferencePropertiesByType.GetOrAdd(type, t => t.GetProperties()
            .Where(p => !p.PropertyType.IsValueType && p.GetCustomAttributes(typeof(KeyAttribute), inherit: false).Length > 0)
            .ToArray());

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.PropertyInfo[]> ReferencePropertiesByType = new();
}
