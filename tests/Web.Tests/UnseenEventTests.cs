using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>
/// A pending offer and its unseen event (notify.unseen_events, what digests are made of) have one writer, the
/// recipient's grain in a real silo: when the table refuses a write after the grain saved the change, the grain
/// writes it again, and the two agree with nothing lost and nothing counted twice.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UnseenEventTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private string ConnectionString => fixture.Cluster!.ConnectionString;

    [Fact]
    public async Task A_failed_write_between_the_grain_and_the_table_loses_and_doubles_nothing()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;

        // Set: the grain saves the offer, the table refuses its event once.
        await using (var refusal = await RefuseOneWriteAsync(b.Id))
        {
            await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 3);
            Assert.Equal(new[] { (a.Id, "message", 3) }, await PendingAsync(b));
            await refusal.WaitUntilRefusedAsync();
            await AgreeAsync(b, [(a.Id, "message", 3)], "the event catches up with the offer");
        }

        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 3); // a retry
        Assert.Equal(new[] { (a.Id, "message", 3) }, await OpenEventsAsync(b.Id));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM notify.unseen_events WHERE user_id = @user", b.Id));

        // Clear: one of B's devices received the messages; closing the event is refused once.
        await using (var refusal = await RefuseOneWriteAsync(b.Id))
        {
            await b.Hub!.InvokeAsync("ClearPending", a.Id, "message");
            Assert.Empty(await PendingAsync(b));
            await refusal.WaitUntilRefusedAsync();
            await AgreeAsync(b, [], "the event is closed");
        }

        // Remove: each grain forgets what the other held for it, and B's refused write is done again.
        await a.Hub!.InvokeAsync<object>("SetPendingFiles", b.Id, 2, 2048L);
        await b.Hub!.InvokeAsync<object>("SetPending", a.Id, "message", 1);
        await AgreeAsync(b, [(a.Id, "file", 2)], "B's file event");
        await AgreeAsync(a, [(b.Id, "message", 1)], "A's message event");
        await using (var refusal = await RefuseOneWriteAsync(b.Id))
        {
            await a.Hub!.InvokeAsync("RemoveContact", b.Id);
            await refusal.WaitUntilRefusedAsync();
            await AgreeAsync(b, [], "B's events from A are closed");
            await AgreeAsync(a, [], "A's events from B are closed");
        }

        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM notify.unseen_events WHERE user_id = @user AND seen_at IS NULL", b.Id));
        Assert.Equal(2L, await ScalarAsync("SELECT count(*) FROM notify.unseen_events WHERE user_id = @user", b.Id));
    }

    [Fact]
    public async Task Blocking_closes_the_events_both_ways()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;
        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 2);
        await b.Hub!.InvokeAsync<object>("SetPending", a.Id, "message", 4);
        await AgreeAsync(b, [(a.Id, "message", 2)], "B's event");

        await using (var refusal = await RefuseOneWriteAsync(b.Id))
        {
            await a.Hub!.InvokeAsync("BlockUser", b.Id);
            await refusal.WaitUntilRefusedAsync();
            await AgreeAsync(b, [], "what A held for B is withdrawn");
            await AgreeAsync(a, [], "what B held for A is forgotten");
        }
    }

    /// <summary>Waits until what the grain shows <paramref name="user"/> as pending and the open events both are <paramref name="expected"/>.</summary>
    private async Task AgreeAsync(TestUser user, (Guid From, string Kind, int Count)[] expected, string what) =>
        await TestWait.UntilAsync(async () =>
            (await PendingAsync(user)).SequenceEqual(expected) && (await OpenEventsAsync(user.Id)).SequenceEqual(expected), Patience, what);

    private static async Task<List<(Guid From, string Kind, int Count)>> PendingAsync(TestUser user) =>
        [.. (await user.ContactsAsync()).GetProperty("pending").EnumerateArray()
            .Select(p => (p.GetProperty("from").GetGuid(), p.GetProperty("kind").GetString()!, p.GetProperty("count").GetInt32()))
            .OrderBy(p => p.Item2, StringComparer.Ordinal)];

    private Task<List<(Guid From, string Kind, int Count)>> OpenEventsAsync(Guid user) => Sql.OpenEventsAsync(ConnectionString, user);

    private Task<long> ScalarAsync(string sql, Guid user) => Sql.ScalarAsync(ConnectionString, sql, user);

    private Task<UnseenEventRefusal> RefuseOneWriteAsync(Guid user) => UnseenEventRefusal.StartAsync(ConnectionString, user);
}
