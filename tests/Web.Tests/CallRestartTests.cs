using System.Globalization;
using System.Text.Json;

using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>
/// A call rings, and the only silo dies: the ring timeout still fires on the silo started after it (the call's
/// deadline is saved and a reminder stored in PostgreSQL wakes its grain), the callee gets the missed call, and the
/// caller is free to call again.
/// </summary>
public sealed class CallRestartTests
{
    [Fact]
    public async Task A_silo_restart_while_it_rings_still_ends_the_call_as_missed_at_its_timeout()
    {
        await using var app = await AppCluster.StartAsync(silos: 0, webs: 0);
        var silo = new Dictionary<string, string>
        {
            ["Silo:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Calls:RingTimeout"] = "00:00:08",
            ["Calls:Backstop"] = "00:00:02",
        };
        var doomed = await app.AddSiloAsync("silo-doomed", silo);
        var web = (await app.AddWebAsync("web1")).BaseAddress;
        var (a, b) = await Befriend.OnlineContactsAsync(web, web);
        await using var disposeA = a;
        await using var disposeB = b;

        var call = await a.Hub!.InvokeAsync<JsonElement>("StartCall", b.Id, false);
        var id = call.GetProperty("callId").GetGuid();
        var ringUntil = call.GetProperty("ringUntil").GetDateTimeOffset();
        Assert.Equal("ringing", call.GetProperty("phase").GetString());
        await doomed.KillAsync();
        await app.AddSiloAsync("silo-after", silo);

        await TestWait.UntilAsync(
            async () => await Sql.OpenEventsAsync(app.ConnectionString, b.Id) is [(var from, "call", 1)] && from == a.Id,
            TimeSpan.FromSeconds(90), "the call, missed, becomes an unseen event of B's");
        Assert.True(DateTimeOffset.UtcNow >= ringUntil, "not before its ring timed out");

        // A is free again: a new call is placed (and ends at once, or rings; either way not refused as "another call").
        await TestWait.UntilAsync(async () =>
        {
            try
            {
                var again = await a.Hub!.InvokeAsync<JsonElement>("StartCall", b.Id, false);
                return again.GetProperty("callId").GetGuid() != id;
            }
            catch (Microsoft.AspNetCore.SignalR.HubException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "A can call again");
    }
}
