using System.Globalization;
using System.Net;

using Cybernet.Testing;

using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Benchmarks;

/// <summary>
/// Server memory per connected user: the web node and the silo together, after a full GC in each, with none, a
/// thousand and all users connected (signed in and paired with one contact beforehand). Per user is the slope from a
/// thousand to all, so start-up and warm caches do not count. Baseline in the same round: a bare SignalR server with
/// one empty hub, WebSockets only, the same GC mode as our hosts (workstation), the same clients. Each round starts
/// fresh processes (the app restarts on the same database); an uncounted warm-up round, then rounds that alternate
/// which goes first.
/// </summary>
public static class MemoryFootprint
{
    private const double KiB = 1024;

    private sealed record Reading(HeapProbe.Footprint Web, HeapProbe.Footprint Silo)
    {
        public HeapProbe.Footprint Total => Web + Silo;
    }

    /// <param name="variantWeb">Settings for the web node to measure beside its defaults in every round (a GC mode), or none.</param>
    /// <param name="variantNode">The same for every node, web and silo.</param>
    public static async Task RunAsync(
        AppCluster app, int users, int rounds, int step, IReadOnlyDictionary<string, string> variantWeb, IReadOnlyDictionary<string, string> variantNode)
    {
        var crowd = await SignalDelivery.CrowdAsync(app, users, (_, _) => { });
        await Parallel.ForEachAsync(crowd.Hubs, async (h, _) => await h.DisposeAsync());
        Report.Section(string.Create(CultureInfo.InvariantCulture,
            $"Server memory per connected user: {users} users signed in and paired, measured after a full GC with 0, {step} and {users} connected; per user = slope {step} -> {users}"));

        // Who is measured: ours as configured, ours with the variant (if any), and the bare server; each round starts
        // with the next one, so none always goes first.
        async Task<(Reading Zero, Reading Step, Reading All)> OursAsync(IReadOnlyDictionary<string, string>? webExtra, IReadOnlyDictionary<string, string>? siloExtra)
        {
            await app.RestartAsync(webExtra, siloExtra);
            return await AppAsync(app, crowd.Cookies, step);
        }

        var contenders = new List<(string Name, Func<Task<(Reading Zero, Reading Step, Reading All)>> Measure)> { ("ours", () => OursAsync(null, null)) };
        if (variantWeb.Count > 0 || variantNode.Count > 0)
        {
            var web = variantNode.Concat(variantWeb).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
            var named = string.Join(", ", new[] { ("web", variantWeb), ("every node", variantNode) }.Where(v => v.Item2.Count > 0)
                .Select(v => $"{v.Item1} with {string.Join(" ", v.Item2.Select(kv => $"{kv.Key}={kv.Value}"))}"));
            contenders.Add(($"ours, {named}", () => OursAsync(web, variantNode)));
        }

        contenders.Add(("bare SignalR server", () => BareAsync(crowd.Cookies, step)));
        var results = contenders.ToDictionary(c => c.Name, _ => new List<(Reading Zero, Reading Step, Reading All)>());
        for (var round = 0; round <= rounds; round++)
        {
            var label = round == 0 ? "warm-up" : $"round {round}";
            for (var i = 0; i < contenders.Count; i++)
            {
                var (name, measure) = contenders[(round + i) % contenders.Count];
                var m = await measure();
                Report.Line(string.Create(CultureInfo.InvariantCulture,
                    $"{label,-8} {name}: web {PerUser(m.Step.Web, m.All.Web, users - step)}, silo {PerUser(m.Step.Silo, m.All.Silo, users - step)}, together {PerUser(m.Step.Total, m.All.Total, users - step)}; from none {PerUser(m.Zero.Total, m.All.Total, users)}"));
                if (round > 0)
                {
                    results[name].Add(m);
                }
            }
        }

        double Slope(HeapProbe.Footprint from, HeapProbe.Footprint to, Func<HeapProbe.Footprint, long> part) => (part(to) - part(from)) / (double)(users - step) / KiB;

        double[] Sorted(string name, Func<Reading, HeapProbe.Footprint> where, Func<HeapProbe.Footprint, long> part) =>
            [.. results[name].Select(m => Slope(where(m.Step), where(m.All), part)).Order()];

        string Median(double[] sorted) => string.Create(CultureInfo.InvariantCulture, $"{sorted[sorted.Length / 2],5:F1} KiB (spread {sorted[0]:F1}-{sorted[^1]:F1})");

        var bareName = contenders[^1].Name;
        var bareRss = Sorted(bareName, r => r.Total, f => f.Resident);
        Report.Line($"median of {rounds} rounds, per connected user (web + silo; the bare server alone):");
        foreach (var (name, _) in contenders)
        {
            var rss = Sorted(name, r => r.Total, f => f.Resident);
            Report.Line($"  {name}");
            Report.Line($"    RSS  {Median(rss)}   web {Median(Sorted(name, r => r.Web, f => f.Resident))}   silo {Median(Sorted(name, r => r.Silo, f => f.Resident))}");
            Report.Line($"    heap {Median(Sorted(name, r => r.Total, f => f.Heap))}   web {Median(Sorted(name, r => r.Web, f => f.Heap))}   silo {Median(Sorted(name, r => r.Silo, f => f.Heap))}");
            if (name != bareName)
            {
                Report.Line(string.Create(CultureInfo.InvariantCulture, $"    ratio to the bare server (RSS, medians) x{rss[rss.Length / 2] / bareRss[bareRss.Length / 2]:F2}"));
            }
        }
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

    /// <summary>The bare server as the "web" part of a reading, with no silo.</summary>
    private static async Task<(Reading Zero, Reading Step, Reading All)> BareAsync(CookieContainer[] cookies, int step)
    {
        var dll = typeof(MemoryFootprint).Assembly.Location;
        await using var server = await NodeProcess.StartDllAsync(dll, Path.GetDirectoryName(dll)!, "bare-hub-server",
            new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" }, arguments: ["bare-hub-server"]);
        var hubs = new List<HubConnection>();
        try
        {
            var zero = await HeapProbe.AfterFullGcAsync(server.Pid);
            hubs.AddRange(await ConnectAsync(server.BaseAddress, cookies[..step]));
            var atStep = await HeapProbe.AfterFullGcAsync(server.Pid);
            hubs.AddRange(await ConnectAsync(server.BaseAddress, cookies[step..]));
            var all = await HeapProbe.AfterFullGcAsync(server.Pid);
            return (new(zero, default), new(atStep, default), new(all, default));
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
