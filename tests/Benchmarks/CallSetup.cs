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
/// hub round trip (WhoAmI) in the same run; and the silo's CPU per call, above what it spends meanwhile on the
/// connected users alone (their presence leases), measured in the baseline's rounds. An uncounted warm-up round, then
/// rounds that alternate which goes first; then the rate doubles each round until the ring's p99 passes 100 ms.
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

        // The silo's CPU per second with the users connected and no calls (presence leases), from the baseline's rounds.
        var idle = new List<double>();

        async Task<(List<double> Rings, double CpuPerCall, double GrossPerCall, int Failures)> CallsAsync(TimeSpan length, int rate)
        {
            var rings = new ConcurrentBag<double>();
            var failures = 0;
            var cpu0 = Cpu.ProcessSeconds(silo.Pid);
            var clock = Stopwatch.StartNew();
            var calls = await SignalDelivery.PacedAsync(rate, length, async (n, _) =>
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
            var cpu = Cpu.ProcessSeconds(silo.Pid) - cpu0;
            var background = idle.Count > 0 ? idle.Order().ElementAt(idle.Count / 2) * clock.Elapsed.TotalSeconds : 0;
            var done = Math.Max(1, calls - failures);
            return ([.. rings], (cpu - background) * 1000 / done, cpu * 1000 / done, failures);
        }

        async Task<List<double>> BareAsync(TimeSpan length)
        {
            var trips = new ConcurrentBag<double>();
            var cpu0 = Cpu.ProcessSeconds(silo.Pid);
            var clock = Stopwatch.StartNew();
            await SignalDelivery.PacedAsync(perSecond, length, async (n, _) =>
            {
                var t0 = Stopwatch.GetTimestamp();
                await crowd.Hubs[n % crowd.Hubs.Length].InvokeAsync<string>("WhoAmI");
                trips.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            });
            idle.Add((Cpu.ProcessSeconds(silo.Pid) - cpu0) / clock.Elapsed.TotalSeconds);
            return [.. trips];
        }

        // Warm-up (uncounted), then rounds alternating which goes first.
        await BareAsync(duration);
        await CallsAsync(duration, perSecond);
        idle.Clear();
        List<double> rings = [], bare = [], roundRings = [], roundBare = [], cpuPerCall = [], grossPerCall = [];
        var failed = 0;
        for (var round = 0; round < rounds; round++)
        {
            async Task Calls()
            {
                var (r, cpu, gross, f) = await CallsAsync(duration, perSecond);
                rings.AddRange(r);
                roundRings.Add(new Stats("", r).P(50));
                cpuPerCall.Add(cpu);
                grossPerCall.Add(gross);
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
            $"silo CPU per call setup (ring, answer, hang up), above the connected users' own: median {Median(cpuPerCall):F2} ms, rounds {string.Join(", ", cpuPerCall.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}; gross median {Median(grossPerCall):F2} ms; the users alone: {Median(idle) * 1000:F0} ms of silo CPU per second"));
        Report.Line(string.Create(CultureInfo.InvariantCulture, $"calls completed {rings.Count}, failed {failed}"));
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"server memory (web + silo RSS): {crowd.MemoryBefore / 1048576.0:F0} MiB before connections, {crowd.MemoryAfter / 1048576.0:F0} MiB with {users} connected"));

        // The rate doubles each round until the ring's p99 passes 100 ms (or a setup fails): the highest rate held.
        var held = 0;
        for (var rate = perSecond * 2; rate <= perSecond * 64; rate *= 2)
        {
            var (r, cpu, _, f) = await CallsAsync(duration, rate);
            if (r.Count == 0)
            {
                Report.Line(string.Create(CultureInfo.InvariantCulture, $"ring at {rate} setups/s: none rang, failed {f}"));
                break;
            }

            var stats = new Stats($"ring at {rate} setups/s", r);
            Report.Line(string.Create(CultureInfo.InvariantCulture, $"{stats}  failed {f}  silo CPU per setup {cpu:F2} ms"));
            if (stats.P(99) > 100 || f > 0)
            {
                break;
            }

            held = rate;
        }

        Report.Line(string.Create(CultureInfo.InvariantCulture, $"highest rate held (ring p99 <= 100 ms, none failed, {duration.TotalSeconds:F0} s): {(held > 0 ? $"{held} setups/s" : $"below {perSecond * 2} setups/s")}"));
        await Parallel.ForEachAsync(crowd.Hubs, async (h, _) => await h.DisposeAsync());
    }

    private static double Median(List<double> values) => values.Count == 0 ? 0 : values.Order().ElementAt(values.Count / 2);
}
