using System.Collections.Concurrent;

using Cybernet.Grains.Users;

namespace Cybernet.Grains.Tests;

/// <summary>The unseen-event store in memory: each user's open events by contact and kind, and a way to make a write fail.</summary>
public sealed class MemoryUnseenEventStore : IUnseenEventStore
{
    private readonly ConcurrentDictionary<Guid, IReadOnlyDictionary<(Guid From, string Kind), int>> open = new();
    private readonly ConcurrentDictionary<Guid, int> failures = new();
    private readonly ConcurrentDictionary<Guid, int> writes = new();

    /// <summary>The next <paramref name="times"/> writes for <paramref name="userId"/> throw, as a database that is down would.</summary>
    public void Fail(Guid userId, int times = 1) => failures[userId] = times;

    /// <summary>The open events of <paramref name="userId"/>: count by contact and kind.</summary>
    public IReadOnlyDictionary<(Guid From, string Kind), int> OpenOf(Guid userId) =>
        open.TryGetValue(userId, out var events) ? events : new Dictionary<(Guid, string), int>();

    /// <summary>How many writes for <paramref name="userId"/> reached the store, failed ones included.</summary>
    public int WritesOf(Guid userId) => writes.GetValueOrDefault(userId);

    public Task MatchAsync(Guid userId, IReadOnlyCollection<PendingOffer> offers, CancellationToken cancellationToken)
    {
        writes.AddOrUpdate(userId, 1, (_, n) => n + 1);
        if (failures.TryGetValue(userId, out var left) && left > 0)
        {
            failures[userId] = left - 1;
            throw new InvalidOperationException("The unseen-event store is down (test).");
        }

        open[userId] = offers.ToDictionary(o => (o.From, o.Kind), o => o.Count);
        return Task.CompletedTask;
    }
}
