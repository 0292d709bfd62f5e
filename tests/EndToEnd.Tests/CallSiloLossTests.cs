using System.Diagnostics;
using System.Globalization;

using Npgsql;

using Xunit.Abstractions;

namespace Cybernet.EndToEnd.Tests;

/// <summary>
/// An answered call lives in the silo's memory only, its media browser to browser: the silo that holds it is killed
/// (kill -9) and the call goes on, is made again from the devices' word, and hanging up still ends it on both sides.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CallSiloLossTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Soon = new() { Timeout = Person.Patience };

    [Fact]
    public async Task Killing_the_silo_that_holds_a_connected_call_leaves_the_call_going_and_hanging_up_ends_it_on_both_sides()
    {
        // One silo when the call is placed, so its grains (the call's, both users') can only be there; a second one joins
        // before the kill and takes over.
        await using var app = await AppCluster.StartAsync(silos: 0, webs: 0);
        var doomedPort = FreePort.Next();
        var doomed = await app.AddSiloAsync("silo-doomed", new Dictionary<string, string>
        {
            ["Silo:SiloPort"] = doomedPort.ToString(CultureInfo.InvariantCulture),
        });
        var web = (await app.AddWebAsync("web", new Dictionary<string, string>
        {
            ["Orleans:Gateway:GatewayListRefreshPeriod"] = "00:00:01",
        })).BaseAddress;

        var (alice, bob) = await CallTests.PairAsync(fixture.Browser, web);
        await using var a = alice;
        await using var b = bob;
        await bob.Page.EvaluateAsync("() => { window.cybernetDebug.callTuning.ringPreview = false; }");
        await alice.Page.ClickAsync("#call-video");
        await bob.Page.ClickAsync("button[data-action=answer-video]", new() { Timeout = Person.Patience });
        await CallTests.ConnectedAsync(alice, bob, video: true);

        await app.AddSiloAsync("silo-survivor");
        try
        {
            await AfterTheKillAsync(app, doomed, doomedPort, alice, bob);
        }
        catch
        {
            foreach (var p in new[] { alice, bob })
            {
                output.WriteLine($"--- {p.DisplayName}'s trace:\n{string.Join("\n", await CallTests.TraceAsync(p))}");
            }

            var nodes = app.AllOutput.Split('\n');
            output.WriteLine(string.Join("\n", nodes.Where(l => l.StartsWith("---", StringComparison.Ordinal) || l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).TakeLast(80)));
            throw;
        }
    }

    private async Task AfterTheKillAsync(AppCluster app, NodeProcess doomed, int doomedPort, Person alice, Person bob)
    {
        var clock = Stopwatch.StartNew();
        await doomed.KillAsync();
        await TestWait.UntilAsync(async () => await MemberStatusAsync(app, doomedPort) == 6, TimeSpan.FromSeconds(60), "the survivor declares the killed silo dead");
        var declared = clock.Elapsed;

        // Both devices find the server forgot the call (a heartbeat, or the other's claim) and make it again; media never
        // stopped.
        await TestWait.UntilAsync(
            async () => (await CallTests.TraceAsync(alice)).Contains("call: made again after the server forgot it") && (await CallTests.TraceAsync(bob)).Contains("call: made again after the server forgot it"),
            TimeSpan.FromSeconds(45), "both devices make the forgotten call again");
        var resumed = clock.Elapsed;
        await Assertions.Expect(CallTests.Status(alice)).ToHaveAttributeAsync("data-phase", "connected", Soon);
        await Assertions.Expect(CallTests.Status(bob)).ToHaveAttributeAsync("data-phase", "connected", Soon);
        await CallTests.MediaFlowsAsync(alice, video: true);
        await CallTests.MediaFlowsAsync(bob, video: true);
        // The same media link all along: never interrupted, never restarted.
        foreach (var p in new[] { alice, bob })
        {
            var trace = await CallTests.TraceAsync(p);
            Assert.DoesNotContain("call: disconnected", trace);
            Assert.DoesNotContain("call: ICE restart", trace);
        }

        output.WriteLine($"silo killed: declared dead after {declared.TotalSeconds:F1} s, the call made again after {resumed.TotalSeconds:F1} s; media flowing both ways after it");

        await alice.Page.ClickAsync("button[data-action=hang-up]");
        await Assertions.Expect(CallTests.Status(alice)).ToHaveTextAsync("Call ended.", new() { Timeout = Person.Patience });
        await Assertions.Expect(CallTests.Status(bob)).ToHaveTextAsync("Call ended.", new() { Timeout = Person.Patience });
        await Assertions.Expect(alice.Page.Locator("#call-history li").First).ToHaveAttributeAsync("data-outcome", "completed", Soon);
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Page.Locator("#call-history li").First).ToHaveAttributeAsync("data-outcome", "completed", Soon);

        // Nobody is left "in a call": they call again, and it rings.
        await alice.Page.ClickAsync("#call-audio");
        await Assertions.Expect(CallTests.Status(bob)).ToHaveAttributeAsync("data-phase", "ringing", Soon);
    }

    /// <summary>The membership table's word on the silo at <paramref name="port"/>: 3 active, 6 dead.</summary>
    private static async Task<int?> MemberStatusAsync(AppCluster app, int port)
    {
        await using var db = new NpgsqlConnection(app.ConnectionString);
        await db.OpenAsync();
        await using var query = new NpgsqlCommand("select status from orleansmembershiptable where deploymentid = @cluster and port = @port order by generation desc limit 1", db);
        query.Parameters.AddWithValue("cluster", app.ClusterId);
        query.Parameters.AddWithValue("port", port);
        return await query.ExecuteScalarAsync() is int status ? status : null;
    }
}
