using System.Collections.Concurrent;

using Orleans.Runtime;

namespace Cybernet.Grains.Tests;

/// <summary>A reminder table in memory that counts each grain's writes (upserts and removals), as rows a database would write.</summary>
public sealed class CountingReminderTable : IReminderTable
{
    private readonly ConcurrentDictionary<(GrainId Grain, string Name), ReminderEntry> rows = new();
    private readonly ConcurrentDictionary<GrainId, int> writes = new();

    /// <summary>How many upserts and removals of <paramref name="grain"/>'s reminders reached the table.</summary>
    public int WritesOf(GrainId grain) => writes.GetValueOrDefault(grain);

    /// <summary>The names of <paramref name="grain"/>'s reminders in the table now.</summary>
    public IReadOnlyList<string> RemindersOf(GrainId grain) => [.. rows.Keys.Where(k => k.Grain == grain).Select(k => k.Name)];

    public Task Init() => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        Task.FromResult(new ReminderTableData(rows.Values.Where(r => r.GrainId == grainId).ToList()));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        Task.FromResult(new ReminderTableData(rows.Values.Where(r => InRange(r.GrainId.GetUniformHashCode(), begin, end)).ToList()));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        Task.FromResult(rows.TryGetValue((grainId, reminderName), out var row) ? row : null);

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        writes.AddOrUpdate(entry.GrainId, 1, (_, n) => n + 1);
        entry.ETag = Guid.NewGuid().ToString("N");
        rows[(entry.GrainId, entry.ReminderName)] = entry;
        return Task.FromResult<string?>(entry.ETag);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        writes.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        var key = (grainId, reminderName);
        return Task.FromResult(rows.TryGetValue(key, out var row) && row.ETag == eTag && rows.TryRemove(key, out _));
    }

    public Task TestOnlyClearTable()
    {
        rows.Clear();
        return Task.CompletedTask;
    }

    // The ring's ranges as Orleans gives them: (begin, end], wrapping past the top when begin >= end.
    private static bool InRange(uint hash, uint begin, uint end) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
}
