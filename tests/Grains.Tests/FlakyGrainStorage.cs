using System.Collections.Concurrent;

using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Cybernet.Grains.Tests;

/// <summary>Grain storage in memory (copies, as a database would keep them) that can be made to refuse a grain's next write.</summary>
public sealed class FlakyGrainStorage(DeepCopier copier) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string Name, GrainId Grain), (object? State, string ETag)> saved = new();
    private readonly ConcurrentDictionary<GrainId, bool> refuseNext = new();
    private readonly ConcurrentDictionary<GrainId, int> writes = new();

    /// <summary>How many writes and clears of <paramref name="grain"/>'s state reached this storage, refused ones included.</summary>
    public int WritesOf(GrainId grain) => writes.GetValueOrDefault(grain);

    /// <summary>Whether <paramref name="grain"/> has a state saved here now.</summary>
    public bool Holds(GrainId grain) => saved.Keys.Any(k => k.Grain == grain);

    /// <summary>The next write of <paramref name="grain"/>'s state throws, and nothing of it is kept.</summary>
    public void RefuseNextWrite(GrainId grain) => refuseNext[grain] = true;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (saved.TryGetValue((stateName, grainId), out var record))
        {
            grainState.State = copier.Copy((T)record.State!);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        writes.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        if (refuseNext.TryRemove(grainId, out _))
        {
            throw new InvalidOperationException("The grain storage refused the write (test).");
        }

        var etag = Guid.NewGuid().ToString("N");
        saved[(stateName, grainId)] = (copier.Copy(grainState.State), etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        writes.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        saved.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
