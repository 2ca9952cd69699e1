namespace CyclicActors.Actors.Schedule;

/// <summary>Permission to start the micro-batch of <paramref name="Step"/>, valid only in ring <paramref name="Epoch"/>.</summary>
public sealed record RingToken(long Epoch, int Step);

/// <summary>What a worker's token state asks its actor to do.</summary>
public abstract record TokenRingEffect;

/// <summary>Send <paramref name="Token"/> to rank <paramref name="ToRank"/>.</summary>
public sealed record PassToken(int ToRank, RingToken Token) : TokenRingEffect;

/// <summary>A token of an older ring epoch arrived and was ignored; worth a log line.</summary>
public sealed record StaleTokenDropped(RingToken Token, long CurrentEpoch) : TokenRingEffect;

/// <summary>A new token state and the effects the actor must carry out, in order.</summary>
public sealed record TokenRingTransition(TokenRingState State, IReadOnlyList<TokenRingEffect> Effects);
