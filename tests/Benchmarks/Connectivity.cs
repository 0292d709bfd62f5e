using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Cybernet.Testing;
using Microsoft.Playwright;

namespace Cybernet.Benchmarks;

/// <summary>
/// The NAT lab's matrix, measured: per cell, the time from a click on a contact (no link yet: the tab was just loaded)
/// to an open data channel, and the path ICE chose; per path kind (direct, relayed over UDP, relayed over TCP) the
/// throughput of a file; coturn's CPU per relayed GiB. The baseline, in the same cell and run: a bare connection between
/// the same two pages with the same ICE servers (fresh TURN credentials), signalled through this process (trickle), one
/// data channel; bytes counted and dropped. An uncounted warm-up round, then runs that alternate which goes first.
/// Needs root (network namespaces), as the lab tests do.
/// </summary>
public static class Connectivity
{
    private const int MiB = 1024 * 1024;

    // Installed in both pages: a bare connection whose signals go out through bareOut (exposed by this process, which
    // hands them to the other page's bareIn). Signals that arrive before this page's connection exists wait for it.
    private const string BareSetup = """
        () => {
          let made;
          window.bareReady = new Promise(r => made = r);
          let queue = Promise.resolve();
          window.bareIn = m => { queue = queue.then(async () => {
            const pc = await window.bareReady, x = JSON.parse(m);
            if (x.d) {
              await pc.setRemoteDescription(x.d);
              if (x.d.type === 'offer') { await pc.setLocalDescription(); window.bareOut(JSON.stringify({ d: pc.localDescription })); }
            } else await pc.addIceCandidate(x.c).catch(() => {});
          }); };
          window.bareStart = async (offerer, size) => {
            const c = await window.cybernetDebug.iceConfig();
            const t0 = performance.now();
            const pc = new RTCPeerConnection({ iceServers: c.servers.map(s => ({ urls: s.urls, username: s.username, credential: s.credential })), iceTransportPolicy: c.transportPolicy });
            const ch = pc.createDataChannel('bare', { negotiated: true, id: 0, ordered: true });
            ch.binaryType = 'arraybuffer';
            let got = 0;
            window.bare = { pc, ch, done: new Promise(r => { ch.onmessage = e => { got += e.data.byteLength; if (got >= size) r(got); }; }) };
            pc.onicecandidate = e => { if (e.candidate) window.bareOut(JSON.stringify({ c: e.candidate })); };
            const open = new Promise(r => { ch.onopen = () => r(performance.now() - t0); });
            made(pc);
            if (offerer) { await pc.setLocalDescription(); window.bareOut(JSON.stringify({ d: pc.localDescription })); }
            return await open;
          };
        }
        """;

    private const string BareSend = """
        async ([size, chunk, high]) => {
          const { ch } = window.bare;
          ch.bufferedAmountLowThreshold = high / 2;
          const buffer = new Uint8Array(chunk);
          for (let sent = 0; sent < size;) {
            if (ch.bufferedAmount > high) { await new Promise(r => ch.onbufferedamountlow = r); continue; }
            ch.send(buffer.subarray(0, Math.min(chunk, size - sent)));
            sent += chunk;
          }
        }
        """;

    private const string BarePath = """
        async () => {
          const report = await window.bare.pc.getStats();
          let id;
          report.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) id = s.selectedCandidatePairId; });
          const pair = id && report.get(id);
          if (!pair) return '?';
          const l = report.get(pair.localCandidateId), r = report.get(pair.remoteCandidateId);
          return l.candidateType + (l.relayProtocol ? '(' + l.relayProtocol + ')' : '') + '/' + r.candidateType;
        }
        """;

    // A click on the contact, timed in the page until the conversation header says the link is up.
    private const string OpenAndWait = """
        name => new Promise(resolve => {
          const row = [...document.querySelectorAll('#contacts li.contact')].find(li => li.textContent.includes(name));
          const t0 = performance.now();
          const check = () => {
            const s = document.getElementById('link-state')?.dataset.state;
            if (s === 'direct' || s === 'relayed') { observer.disconnect(); resolve(performance.now() - t0); }
          };
          const observer = new MutationObserver(check);
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
          row.click();
          check();
        })
        """;

    private sealed record Cell(NatKind A, NatKind B, string Throughput);

    private static readonly Cell[] Cells =
    [
        new(NatKind.Open, NatKind.Open, "direct"),
        new(NatKind.Cone, NatKind.Cone, ""),
        new(NatKind.Symmetric, NatKind.Cone, ""),
        new(NatKind.Symmetric, NatKind.Symmetric, "relayed over UDP"),
        new(NatKind.Tcp443Only, NatKind.Open, ""),
        new(NatKind.Tcp443Only, NatKind.Tcp443Only, "relayed over TCP"),
    ];

    public static async Task RunAsync(int tries, int sizeMiB, int runs)
    {
        if (!NatLab.CanRun)
        {
            throw new InvalidOperationException("The lab benchmark needs root (network namespaces, iptables) and iproute2.");
        }

        await using var app = await AppCluster.StartAsync(silos: 1, webs: 0);
        await using var lab = await NatLab.CreateAsync();
        await using var turn = await TurnServer.StartProductionConfigAsync(
            NatLab.PublicAddress, allowedPeers: ["198.51.100.0-198.51.100.255", "203.0.113.0-203.0.113.255"], port: 3478, tlsPort: 443);
        var webNode = await app.AddWebAsync("web-lab", new Dictionary<string, string>
        {
            ["Ice:Servers:0:Urls:0"] = $"turn:{NatLab.PublicAddress}:3478?transport=udp",
            ["Ice:Servers:0:Urls:1"] = $"turn:{NatLab.PublicAddress}:443?transport=tcp",
            ["Ice:Servers:0:SharedSecret"] = turn.SharedSecret,
        }, alsoListenOn: NatLab.PublicAddress);
        var web = new Uri($"http://{NatLab.PublicAddress}:{webNode.HttpPort}");
        using var playwright = await Playwright.CreateAsync();

        var path = Path.Combine(Path.GetTempPath(), $"bench-lab-{sizeMiB}MiB.bin");
        var size = (long)sizeMiB * MiB;
        var data = new byte[size];
        Random.Shared.NextBytes(data);
        await File.WriteAllBytesAsync(path, data);
        var expected = Convert.ToHexStringLower(SHA256.HashData(data));

        Report.Section($"NAT lab: {tries} tries per cell (after an uncounted one), click on a contact -> open data channel, against a bare connection with the same ICE servers; {sizeMiB} MiB transfers, {runs} runs per path after a warm-up; coturn is the production file (UDP 3478, TCP/TLS 443); {Environment.ProcessorCount} cores");
        var table = new List<string>
        {
            "| cell | path (ours) | ours p50 / p95 ms | bare p50 / p95 ms | bare path | ratio p50 |",
            "|---|---|---|---|---|---|",
        };
        var throughput = new List<string>();
        foreach (var cell in Cells)
        {
            var peerA = await lab.AddPeerAsync(cell.A, webNode.HttpPort);
            var peerB = await lab.AddPeerAsync(cell.B, webNode.HttpPort);
            await using var browserA = await LaunchAsync(playwright, peerA, web);
            await using var browserB = await LaunchAsync(playwright, peerB, web);
            var alice = await Person.SignUpAsync(browserA, web, "alice", "Alice Lab");
            var bob = await Person.SignUpAsync(browserB, web, "bob", "Bob Lab");
            await alice.BefriendAsync(bob);
            var bobId = await bob.Page.EvaluateAsync<string>("() => document.getElementById('app').dataset.userId");
            await alice.Page.ExposeFunctionAsync("bareOut", (string m) => { _ = bob.Page.EvaluateAsync("m => window.bareIn(m)", m); });
            await bob.Page.ExposeFunctionAsync("bareOut", (string m) => { _ = alice.Page.EvaluateAsync("m => window.bareIn(m)", m); });

            List<double> ours = [], bare = [];
            string oursPath = "", barePath = "";
            for (var i = 0; i <= tries; i++)
            {
                if (i % 2 == 0)
                {
                    await BareAsync();
                    await OursAsync();
                }
                else
                {
                    await OursAsync();
                    await BareAsync();
                }

                if (i == 0)
                {
                    ours.Clear();
                    bare.Clear();
                }
            }

            async Task OursAsync()
            {
                // A fresh tab (a new session, no link), then the click.
                await alice.Page.ReloadAsync();
                await alice.ContactRow("Bob Lab").WaitForAsync(new() { Timeout = Person.Patience });
                await alice.Page.WaitForFunctionAsync("() => window.cybernetDebug && document.getElementById('app').dataset.userId");
                ours.Add(await alice.Page.EvaluateAsync<double>(OpenAndWait, "Bob Lab"));
                var p = await alice.Page.EvaluateAsync<JsonElement>("id => window.cybernetDebug.linkPath(id)", bobId);
                oursPath = $"{p.GetProperty("local").GetString()}{(p.GetProperty("relayProtocol").GetString() is { } proto ? $"({proto})" : "")}/{p.GetProperty("remote").GetString()}";
            }

            async Task BareAsync()
            {
                bare.Add(await BareConnectAsync(alice, bob, size));
                barePath = await alice.Page.EvaluateAsync<string>(BarePath);
                await BareCloseAsync(alice, bob);
            }

            var o = new Stats("ours", ours);
            var b = new Stats("bare", bare);
            table.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {cell.A} ↔ {cell.B} | {oursPath} | {o.P(50):F0} / {o.P(95):F0} | {b.P(50):F0} / {b.P(95):F0} | {barePath} | x{o.P(50) / b.P(50):F2} |"));
            Console.Error.WriteLine(table[^1]);

            if (cell.Throughput.Length > 0)
            {
                await bob.OpenConversationAsync("Alice Lab");
                throughput.Add(await ThroughputAsync(cell.Throughput, alice, bob, path, size, expected, runs, turn.ProcessId));
                Console.Error.WriteLine(throughput[^1]);
            }

            await alice.DisposeAsync();
            await bob.DisposeAsync();
        }

        foreach (var line in table)
        {
            Report.Line(line);
        }

        Report.Line("");
        foreach (var line in throughput)
        {
            Report.Line(line);
        }

        File.Delete(path);
    }

    private static async Task<string> ThroughputAsync(string kind, Person alice, Person bob, string path, long size, string expected, int runs, int coturnPid)
    {
        List<double> ours = [], bare = [];
        Dictionary<string, double> oursMachine = [], bareMachine = [], oursTurn = [], bareTurn = [];
        for (var run = 0; run <= runs; run++)
        {
            var counted = run > 0;
            if (run % 2 == 0)
            {
                await MeasureOursAsync();
                await MeasureBareAsync();
            }
            else
            {
                await MeasureBareAsync();
                await MeasureOursAsync();
            }

            async Task MeasureOursAsync()
            {
                var (m0, t0) = (Cpu.Machine(), Cpu.Of(coturnPid));
                var seconds = await FileTransfer.OursAsync(alice, bob, path, size, expected);
                if (counted)
                {
                    ours.Add(size / (double)MiB / seconds);
                    oursMachine = Cpu.Add(oursMachine, Cpu.Minus(Cpu.Machine(), m0));
                    oursTurn = Cpu.Add(oursTurn, Cpu.Minus(Cpu.Of(coturnPid), t0));
                }
            }

            async Task MeasureBareAsync()
            {
                await BareConnectAsync(alice, bob, size);
                var (m0, t0) = (Cpu.Machine(), Cpu.Of(coturnPid));
                var clock = Stopwatch.StartNew();
                await alice.Page.EvaluateAsync(BareSend, new object[] { size, (256 * 1024) - 32, 8 * MiB });
                await bob.Page.EvaluateAsync("() => window.bare.done");
                var seconds = clock.Elapsed.TotalSeconds;
                if (counted)
                {
                    bare.Add(size / (double)MiB / seconds);
                    bareMachine = Cpu.Add(bareMachine, Cpu.Minus(Cpu.Machine(), m0));
                    bareTurn = Cpu.Add(bareTurn, Cpu.Minus(Cpu.Of(coturnPid), t0));
                }

                await BareCloseAsync(alice, bob);
            }
        }

        var gib = size * (double)runs / (1024.0 * MiB);
        static double Median(List<double> v) => new Stats("", v).P(50);
        static double Busy(Dictionary<string, double> cpu) => cpu.Where(p => p.Key is not ("idle" or "iowait")).Sum(p => p.Value);
        static string Spread(List<double> v) => string.Create(CultureInfo.InvariantCulture, $"{v.Min():0.0}-{v.Max():0.0}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{kind} ({size / MiB} MiB): ours median {Median(ours):0.0} MiB/s (spread {Spread(ours)}), bare {Median(bare):0.0} MiB/s (spread {Spread(bare)}), ratio {Median(ours) / Median(bare):0.00}; " +
            $"machine CPU (busy) s/GiB ours {Busy(oursMachine) / gib:0.0}, bare {Busy(bareMachine) / gib:0.0}; coturn CPU s/GiB ours {oursTurn.Values.Sum() / gib:0.00}, bare {bareTurn.Values.Sum() / gib:0.00}" +
            $"\n  machine CPU by kind, s/GiB: ours {Cpu.DescribeMachine(oursMachine, gib)}; bare {Cpu.DescribeMachine(bareMachine, gib)}");
    }

    /// <summary>A bare connection between the two pages, Alice offering; returns the milliseconds until both channels are open.</summary>
    private static async Task<double> BareConnectAsync(Person alice, Person bob, long size)
    {
        await alice.Page.EvaluateAsync(BareSetup);
        await bob.Page.EvaluateAsync(BareSetup);
        var clock = Stopwatch.StartNew();
        var answering = bob.Page.EvaluateAsync<double>("size => window.bareStart(false, size)", size);
        await alice.Page.EvaluateAsync<double>("size => window.bareStart(true, size)", size);
        await answering;
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task BareCloseAsync(Person alice, Person bob)
    {
        await alice.Page.EvaluateAsync("() => window.bare.pc.close()");
        await bob.Page.EvaluateAsync("() => window.bare.pc.close()");
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright, LabPeer peer, Uri web) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = peer.ChromiumPath,
        Headless = true,
        Args = [.. Chromium.Flags, $"--unsafely-treat-insecure-origin-as-secure={web.ToString().TrimEnd('/')}"],
    });
}
