using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Serialization;

/// <summary>
/// The static table of wire types and their manifests. A manifest is part of the wire format:
/// never reuse or rename one; add new types with new manifests. Retired: "mb" (the sample indices a
/// coordinator used to send; workers now read them from the data order).
/// </summary>
public static class MessageManifests
{
    private static readonly (Type Type, string Manifest)[] Table =
    [
        (typeof(TokenPassed), "tok"),
        (typeof(GradientContributed), "grad"),
        (typeof(ParametersPublished), "par"),
        (typeof(StartTraining), "start"),
        (typeof(MicroBatchCompleted), "mbdone"),
        (typeof(WorkerFinished), "wdone"),
        (typeof(FinalStateRequested), "finreq"),
        (typeof(FinalStageState), "fin"),
        (typeof(TensorChunk), "chunk"),
        (typeof(ChunksAcknowledged), "chunkack"),
        (typeof(TensorChannelRequested), "chanreq"),
        (typeof(TensorChannelOffered), "chanoffer"),
        (typeof(MemberOffered), "moffer"),
        (typeof(MemberAdmitted), "madmit"),
        (typeof(MemberRefused), "mrefuse"),
        (typeof(TrainingOptionsRequested), "optreq"),
        (typeof(TrainingOptionsShared), "opts"),
        (typeof(NodePlanned), "plan"),
        (typeof(NodeReady), "ready"),
        (typeof(TrainingEnded), "ended"),
        (typeof(TrainingStarted), "started"),
        (typeof(NodeStatisticsRequested), "statsreq"),
        (typeof(NodeStatistics), "stats"),
        (typeof(ChannelsPlanned), "chanplan"),
        (typeof(NodeProgress), "progress"),
        (typeof(NodeTraceBatch), "tracebatch"),
        (typeof(NodeWired), "wired"),
        (typeof(StageCut), "cut"),
        (typeof(RunRestarting), "restart"),
        (typeof(ActivationPassed), "act"),
        (typeof(OutputGradientPassed), "actgrad"),
        (typeof(StageDeviceFinished), "devdone"),
    ];

    private static readonly Dictionary<Type, string> ByType = Table.ToDictionary(entry => entry.Type, entry => entry.Manifest);
    private static readonly Dictionary<string, Type> ByManifest = Table.ToDictionary(entry => entry.Manifest, entry => entry.Type, StringComparer.Ordinal);

    public static IReadOnlyList<Type> Types { get; } = Table.Select(entry => entry.Type).ToArray();

    public static bool TryGetManifest(Type type, out string manifest) => ByType.TryGetValue(type, out manifest!);

    public static bool TryGetType(string manifest, out Type type) => ByManifest.TryGetValue(manifest, out type!);
}
