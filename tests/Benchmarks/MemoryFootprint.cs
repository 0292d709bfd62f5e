using System.Globalization;
using System.Net;

using Cybernet.Testing;

using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Benchmarks;

/// <summary>
/// Server memory per connected user: the web node and the silo together, after a full GC in each, with none, a
/// thousand and all users connected (signed in and paired with one contact beforehand). Per user is the slope from a
/// thousand to all, so start-up and warm caches do not count. Baseline in the same round: a bare SignalR server with
/// one empty hub, WebSockets only, the same clients. Each round starts fresh processes (the app restarts on the same
/// database); an uncounted warm-up round, then rounds that alternate which goes first.
/// </summary>
public static class MemoryFootprint
{
    private const double KiB = 1024;

    private sealed record Reading(HeapProbe.Footprint Web, HeapProbe.Footprint Silo)
    {
        public HeapProbe.Footprint Total => Web + Silo;
    }

    public static async Task RunAsync(AppCluster app, int users, int rounds, int step)
    {
        var crowd = await SignalDelivery.CrowdAsync(app, users, (_, _) => { });
        await Parallel.ForEachAsync(crowd.Hubs, async (h, _) => await h.DisposeAsync());
        Report.Section(string.Create(CultureInfo.InvariantCulture,
            $"Server memory per connected user: {users} users signed in and paired, measured after a full GC with 0, {step} and {users} connected; per user = slope {step} -> {users}"));

        var ours = new List<(Reading Zero, Reading Step, Reading All)>();
        var bare = new List<(HeapProbe.Footprint Zero, HeapProbe.Footprint Step, HeapProbe.Footprint All)>();
        for (var round = 0; round <= rounds; round++)
        {
            var label = round == 0 ? "warm-up" : $"round {round}";
            var appFirst = round % 2 == 1;
            foreach (var which in appFirst ? new[] { true, false } : [false, true])
            {
                if (which)
                {
                    await app.RestartAsync();
                    var m = await AppAsync(app, crowd.Cookies, step);
                    Report.Line(string.Create(CultureInfo.InvariantCulture,
                        $"{label,-8} ours: web {PerUser(m.Step.Web, m.All.Web, users - step)}, silo {PerUser(m.Step.Silo, m.All.Silo, users - step)}, together {PerUser(m.Step.Total, m.All.Total, users - step)}; from none {PerUser(m.Zero.Total, m.All.Total, users)}"));
                    if (round > 0)
                    {
                        ours.Add((m.Zero, m.Step, m.All));
                    }
                }
                else
                {
                    var m = await BareAsync(crowd.Cookies, step);
                    Report.Line(string.Create(CultureInfo.InvariantCulture,
                        $"{label,-8} bare SignalR server: {PerUser(m.Step, m.All, users - step)}; from none {PerUser(m.Zero, m.All, users)}"));
                    if (round > 0)
                    {
                        bare.Add(m);
                    }
                }
            }
        }

        string Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture, $"{sorted[sorted.Length / 2],6:F1} KiB (spread {sorted[0]:F1}-{sorted[^1]:F1})");
        }

        double Slope(HeapProbe.Footprint from, HeapProbe.Footprint to, Func<HeapProbe.Footprint, long> part) => (part(to) - part(from)) / (double)(users - step) / KiB;

        Report.Line($"median of {rounds} rounds, per connected user:");
        Report.Line($"  ours, RSS   web + silo {Median(ours.Select(m => Slope(m.Step.Total, m.All.Total, f => f.Resident)))}   web {Median(ours.Select(m => Slope(m.Step.Web, m.All.Web, f => f.Resident)))}   silo {Median(ours.Select(m => Slope(m.Step.Silo, m.All.Silo, f => f.Resident)))}");
        Report.Line($"  ours, heap  web + silo {Median(ours.Select(m => Slope(m.Step.Total, m.All.Total, f => f.Heap)))}   web {Median(ours.Select(m => Slope(m.Step.Web, m.All.Web, f => f.Heap)))}   silo {Median(ours.Select(m => Slope(m.Step.Silo, m.All.Silo, f => f.Heap)))}");
        Report.Line($"  bare, RSS              {Median(bare.Select(m => Slope(m.Step, m.All, f => f.Resident)))}");
        Report.Line($"  bare, heap             {Median(bare.Select(m => Slope(m.Step, m.All, f => f.Heap)))}");
        var oursRss = ours.Select(m => Slope(m.Step.Total, m.All.Total, f => f.Resident)).Order().ToArray()[ours.Count / 2];
        var bareRss = bare.Select(m => Slope(m.Step, m.All, f => f.Resident)).Order().ToArray()[bare.Count / 2];
        Report.Line(string.Create(CultureInfo.InvariantCulture, $"  ratio to baseline (RSS, medians) x{oursRss / bareRss:F2}"));
    }

    private static string PerUser(HeapProbe.Footprint from, HeapProbe.Footprint to, int users) => string.Create(CultureInfo.InvariantCulture,
        $"RSS {(to.Resident - from.Resident) / (double)users / KiB:F1} KiB heap {(to.Heap - from.Heap) / (double)users / KiB:F1} KiB");

    private static async Task<Reading> ReadAsync(AppCluster app) =>
        new(await HeapProbe.AfterFullGcAsync(app.Webs[0].Pid), await HeapProbe.AfterFullGcAsync(app.Silos[0].Pid));

    private static async Task<(Reading Zero, Reading Step, Reading All)> AppAsync(AppCluster app, CookieContainer[] cookies, int step)
    {
        var web = app.Webs[0].BaseAddress;
        var hubs = new List<HubConnection>();
        try
        {
            var zero = await ReadAsync(app);
            hubs.AddRange(await ConnectAsync(web, cookies[..step]));
            var atStep = await ReadAsync(app);
            hubs.AddRange(await ConnectAsync(web, cookies[step..]));
            var all = await ReadAsync(app);
            return (zero, atStep, all);
        }
        finally
        {
            await Parallel.ForEachAsync(hubs, async (h, _) => await h.DisposeAsync());
        }
    }

    private static async Task<(HeapProbe.Footprint Zero, HeapProbe.Footprint Step, HeapProbe.Footprint All)> BareAsync(CookieContainer[] cookies, int step)
    {
        var dll = typeof(MemoryFootprint).Assembly.Location;
        await using var server = await NodeProcess.StartDllAsync(dll, Path.GetDirectoryName(dll)!, "bare-hub-server",
            new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" }, arguments: ["bare-hub-server"]);
        var hubs = new List<HubConnection>();
        try
        {
            var zero = await HeapProbe.AfterFullGcAsync(server.Pid);
            hubs.AddRange(await ConnectAsync(server.BaseAddress, cookies[..step]));
            var atStep = await HeapProbe.AfterFullGcAsync(server.Pid);
            hubs.AddRange(await ConnectAsync(server.BaseAddress, cookies[step..]));
            var all = await HeapProbe.AfterFullGcAsync(server.Pid);
            return (zero, atStep, all);
        }
        finally
        {
            await Parallel.ForEachAsync(hubs, async (h, _) => await h.DisposeAsync());
        }
    }

    /// <summary>Connects one hub per cookie jar and waits until each has been answered once (its connect fully handled).</summary>
    private static async Task<HubConnection[]> ConnectAsync(Uri web, CookieContainer[] cookies)
    {
        var hubs = new HubConnection[cookies.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, cookies.Length), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var hub = SessionHubClient.Build(web, cookies[i]);
            await hub.StartAsync();
            await hub.InvokeAsync<string>("WhoAmI");
            hubs[i] = hub;
        });
        return hubs;
    }
}
