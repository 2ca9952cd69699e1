namespace CyclicActors.Actors.Protocol;

/// <summary>
/// Every message that may cross the wire. HOCON binds this interface to
/// <see cref="Serialization.CyclicMessageSerializer"/>; a type that is not in its manifest table
/// fails to serialize instead of falling back to JSON.
/// </summary>
public interface ICyclicMessage;
