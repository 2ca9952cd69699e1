namespace CyclicActors.GpuCompute.Cuda.Loading;

/// <summary>
/// One library to load: the soname, the candidates to try in order (absolute paths first, the bare
/// soname last so the loader cache and LD_LIBRARY_PATH still get a chance), and whether the
/// backend is unusable without it.
/// </summary>
internal sealed record LoadStep(string Soname, IReadOnlyList<string> Candidates, bool Required, string Why);
