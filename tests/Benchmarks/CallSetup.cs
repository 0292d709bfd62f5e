using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cybernet.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Benchmarks;

/// <summary>
/// Call setups with many users connected: real SignalR .NET clients against the real web node and silo, each setup a
/// ring, an answer and a hang-up (no media). Measured: from StartCall to the ring event at the callee, against a bare
/// hub round trip (WhoAmI) in the same run; and the silo's CPU per call. An uncounted warm-up round, then rounds that
/// alternate which goes first.
/// </summary>
public static class CallSetup
{
    public static async Task RunAsync(AppCluster app, int users, int perSecond, TimeSpan duration, int rounds)
    {
        var rang = new ConcurrentDictionary<Guid, long>();
        var crowd = await SignalDelivery.CrowdAsync(app, users, (hub, _) =>
        {
            hub.On<JsonElement>("Call", c =>
            {
                if (c.GetProperty("phase").GetString() == "ringing")
                {
                    rang.TryAdd(c.GetProperty("callId").GetGuid(), Stopwatch.GetTimestamp());
                }
            });
            hub.On<JsonElement>("CallSignal", _ => { });
        });
        var half = crowd.Half;
        var silo = app.Silos[0];

        async Task<(List<double> Rings, double CpuPerCall, int Failures)> CallsAsync(TimeSpan length)
        {
            var rings = new ConcurrentBag<double>();
            var failures = 0;
            var cpu0 = Cpu.Of(silo.Pid).Values.Sum();
            var calls = await SignalDelivery.PacedAsync(perSecond, length, async (n, _) =>
            {
                var k = n % half;
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    var call = await crowd.Hubs[k].InvokeAsync<JsonElement>("StartCall", crowd.Accounts[k + half].Id, false);
                    var id = call.GetProperty("callId").GetGuid();
                    await TestWait.UntilAsync(() => Task.FromResult(rang.ContainsKey(id)), TimeSpan.FromSeconds(10), "the callee rings");
                    rings.Add(Stopwatch.GetElapsedTime(t0, rang[id]).TotalMilliseconds);
                    await crowd.Hubs[k + half].InvokeAsync<JsonElement>("AnswerCall", id);
                    await crowd.Hubs[k].InvokeAsync<JsonElement>("HangUp", id);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            });
            var cpu = Cpu.Of(silo.Pid).Values.Sum() - cpu0;
            return ([.. rings], cpu * 1000 / Math.Max(1, calls - failures), failures);
        }

        async Task<List<double>> BareAsync(TimeSpan length)
        {
            var trips = new ConcurrentBag<double>();
            await SignalDelivery.PacedAsync(perSecond, length, async (n, _) =>
            {
                var t0 = Stopwatch.GetTimestamp();
                await crowd.Hubs[n % crowd.Hubs.Length].InvokeAsync<string>("WhoAmI");
                trips.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            });
            return [.. trips];
        }

        // Warm-up (uncounted), then rounds alternating which goes first.
        await BareAsync(duration);
        await CallsAsync(duration);
        List<double> rings = [], bare = [], roundRings = [], roundBare = [], cpuPerCall = [];
        var failed = 0;
        for (var round = 0; round < rounds; round++)
        {
            async Task Calls()
            {
                var (r, cpu, f) = await CallsAsync(duration);
                rings.AddRange(r);
                roundRings.Add(new Stats("", r).P(50));
                cpuPerCall.Add(cpu);
                failed += f;
            }

            async Task Bare()
            {
                var b = await BareAsync(duration);
                bare.AddRange(b);
                roundBare.Add(new Stats("", b).P(50));
            }

            if (round % 2 == 0)
            {
                await Calls();
                await Bare();
            }
            else
            {
                await Bare();
                await Calls();
            }
        }

        Report.Section(string.Create(CultureInfo.InvariantCulture,
            $"Call setups: {users} connected SignalR clients ({half} contact pairs), {perSecond} setups/s (ring, answer, hang up; no media), {rounds} rounds of {duration.TotalSeconds:F0} s alternating with the baseline after an uncounted warm-up; one web node, {app.Silos.Count} silo(s)"));
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"setup: {users} accounts in {crowd.Created.TotalSeconds:F1} s, signed in by {crowd.SignedIn.TotalSeconds:F1} s, connected by {crowd.Connected.TotalSeconds:F1} s"));
        var ringStats = new Stats("ring: StartCall -> call grain -> callee's session", rings);
        var bareStats = new Stats("baseline: bare hub round trip (WhoAmI)", bare);
        Report.Line(ringStats.ToString());
        Report.Line(bareStats.ToString());
        Report.Line(Stats.Ratio(ringStats, bareStats));
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"p50 per round, ring: {string.Join(", ", roundRings.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} ms; baseline: {string.Join(", ", roundBare.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} ms"));
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"silo CPU per call setup (ring, answer, hang up): median {cpuPerCall.Order().ElementAt(cpuPerCall.Count / 2):F2} ms, rounds {string.Join(", ", cpuPerCall.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}"));
        Report.Line(string.Create(CultureInfo.InvariantCulture, $"calls completed {rings.Count}, failed {failed}"));
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"server memory (web + silo RSS): {crowd.MemoryBefore / 1048576.0:F0} MiB before connections, {crowd.MemoryAfter / 1048576.0:F0} MiB with {users} connected"));

        await Parallel.ForEachAsync(crowd.Hubs, async (h, _) => await h.DisposeAsync());
    }
}
