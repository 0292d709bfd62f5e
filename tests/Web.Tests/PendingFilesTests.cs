using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>A file offered to an offline contact is known to the server as a count and a total size, nothing more.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PendingFilesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Files_waiting_for_a_contact_are_a_count_and_a_total_size_replaced_not_added()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var _ = a;
        await using var __ = b;

        await a.Hub!.InvokeAsync<object>("SetPendingFiles", b.Id, 3, 5_000_000_000L);
        await a.Hub!.InvokeAsync<object>("SetPendingFiles", b.Id, 3, 5_000_000_000L); // a retry changes nothing
        var pending = (await b.ContactsAsync()).GetProperty("pending").EnumerateArray().Single();
        Assert.Equal("file", pending.GetProperty("kind").GetString());
        Assert.Equal(3, pending.GetProperty("count").GetInt32());
        Assert.Equal(5_000_000_000L, pending.GetProperty("bytes").GetInt64());
        Assert.Equal(["bytes", "count", "from", "kind", "since"], pending.EnumerateObject().Select(p => p.Name).Order());

        await a.Hub!.InvokeAsync<object>("SetPendingFiles", b.Id, 1, 10L);
        pending = (await b.ContactsAsync()).GetProperty("pending").EnumerateArray().Single();
        Assert.Equal(1, pending.GetProperty("count").GetInt32());
        Assert.Equal(10L, pending.GetProperty("bytes").GetInt64());

        // Received by one of B's devices: cleared.
        await b.Hub!.InvokeAsync("ClearPending", a.Id, "file");
        Assert.Equal(0, (await b.ContactsAsync()).GetProperty("pending").GetArrayLength());
    }

    [Fact]
    public async Task Impossible_file_reports_get_a_clear_error_and_change_nothing()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var _ = a;
        await using var __ = b;
        await using var stranger = await TestUser.SignUpAsync(fixture.Web1);

        foreach (var (count, bytes) in new[] { (-1, 0L), (1, -5L), (0, 10L), (1, 1L << 51), (100_001, 1L) })
        {
            var error = await Assert.ThrowsAsync<HubException>(() => a.Hub!.InvokeAsync<object>("SetPendingFiles", b.Id, count, bytes));
            Assert.Matches("pending count|total size", error.Message);
        }

        var toStranger = await Assert.ThrowsAsync<HubException>(() => a.Hub!.InvokeAsync<object>("SetPendingFiles", stranger.Id, 1, 1L));
        Assert.Contains("only leave things for your contacts", toStranger.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, a.Hub!.State);
        Assert.Equal(0, (await b.ContactsAsync()).GetProperty("pending").GetArrayLength());

        // To my own other devices: accepted, nothing recorded anywhere.
        await a.Hub!.InvokeAsync<object>("SetPendingFiles", a.Id, 2, 100L);
        Assert.Equal(0, (await a.ContactsAsync()).GetProperty("pending").GetArrayLength());
    }
}
