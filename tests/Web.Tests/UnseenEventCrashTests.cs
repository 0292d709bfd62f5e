using System.Globalization;

using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>
/// A silo that dies after a grain saved a pending offer but before its unseen event was written: nobody signs in again,
/// yet the event is written on the silo started after it (a reminder stored in PostgreSQL wakes the grain), once.
/// </summary>
public sealed class UnseenEventCrashTests
{
    [Fact]
    public async Task A_silo_that_dies_before_writing_an_unseen_event_leaves_it_to_the_next_silo()
    {
        await using var app = await AppCluster.StartAsync(silos: 0, webs: 0);
        // The same ports after the restart, so the new silo declares its dead predecessor gone at once.
        var silo = new Dictionary<string, string>
        {
            ["Silo:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["UnseenEvents:Backstop"] = "00:00:02",
        };
        var doomed = await app.AddSiloAsync("silo-doomed", silo);
        var web = (await app.AddWebAsync("web1")).BaseAddress;
        var (a, b) = await Befriend.OnlineContactsAsync(web, web);
        await b.DisposeAsync(); // nothing of B's will wake its grain again

        await using var refusal = await UnseenEventRefusal.StartAsync(app.ConnectionString, b.Id, everyWrite: true);
        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 3);
        await refusal.WaitUntilRefusedAsync();
        await a.DisposeAsync();
        await doomed.KillAsync();
        await refusal.DisposeAsync();
        Assert.Empty(await Sql.OpenEventsAsync(app.ConnectionString, b.Id));

        await app.AddSiloAsync("silo-after", silo);
        await TestWait.UntilAsync(
            async () => (await Sql.OpenEventsAsync(app.ConnectionString, b.Id)).SequenceEqual([(a.Id, "message", 3)]),
            TimeSpan.FromSeconds(60), "B's unseen event is written on the silo started after the crash");
        Assert.Equal(1L, await Sql.ScalarAsync(app.ConnectionString, "SELECT count(*) FROM notify.unseen_events WHERE user_id = @user", b.Id));
    }
}
