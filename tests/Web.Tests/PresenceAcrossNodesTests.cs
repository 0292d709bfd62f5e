using Microsoft.AspNetCore.SignalR.Client;

using Npgsql;

namespace Cybernet.Web.Tests;

[Collection(ClusterCollection.Name)]
public sealed class PresenceAcrossNodesTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Both_silos_are_active_members_of_one_cluster()
    {
        await using var db = new NpgsqlConnection(fixture.Cluster!.ConnectionString);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from orleansmembershiptable where status = 3", db);
        Assert.Equal(2L, (long)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_on_node_1_sees_B_on_node_2_come_online_and_go_offline()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;

        await b.Hub!.StopAsync();
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(b.Id) == "offline"), Patience, "A sees B offline once B's tab closes");

        await b.Hub!.StartAsync();
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(b.Id) == "online"), Patience, "A sees B back online");
    }

    [Fact]
    public async Task Away_is_pushed_when_every_tab_of_the_contact_is_idle()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;

        await b.Hub!.InvokeAsync("SetActive", false);
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(b.Id) == "away"), Patience, "A sees B away");
    }

    [Fact]
    public async Task Only_accepted_contacts_see_presence()
    {
        await using var a = await TestUser.SignUpAsync(fixture.Web1);
        await using var stranger = await TestUser.SignUpAsync(fixture.Web2);
        await a.ConnectAsync();
        await stranger.ConnectAsync();
        await a.Hub!.InvokeAsync<string>("RequestContact", stranger.UserName);

        // The request is pending: stranger's presence must not reach A. A later contact's update proves pushes flow.
        await using var friend = await TestUser.SignUpAsync(fixture.Web2);
        await friend.ConnectAsync();
        await Befriend.ContactsAsync(a, friend);
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(friend.Id) == "online"), Patience, "A sees the friend online");
        Assert.Null(a.LastPresenceOf(stranger.Id));
    }

    [Fact]
    public async Task A_web_node_that_dies_takes_its_sessions_offline_by_lease_expiry()
    {
        var doomed = await fixture.Cluster!.AddWebAsync("web-doomed");
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, doomed.BaseAddress);
        await using var disposeA = a;
        await using var disposeB = b;

        var killedAt = DateTime.UtcNow;
        await doomed.KillAsync();

        // The lease here is 3 s (30 s in production); within 60 s is the product's promise.
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(b.Id) == "offline"), TimeSpan.FromSeconds(60), "B goes offline after its node dies");
        Assert.True(DateTime.UtcNow - killedAt >= AppCluster.Lease * 0.5, "offline came from the lease, not from a goodbye");
    }
}
