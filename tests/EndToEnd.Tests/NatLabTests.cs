using System.Security.Cryptography;
using System.Text.Json;

namespace Cybernet.EndToEnd.Tests;

/// <summary>
/// The app on a "public" segment of a <see cref="NatLab"/> (web node and the production coturn file on 198.51.100.1),
/// each person's Chromium inside its own LAN behind a router of one NAT kind. Needs root (network namespaces).
/// </summary>
public sealed class LabFixture : IAsyncLifetime
{
    public AppCluster? App { get; private set; }

    public NatLab? Lab { get; private set; }

    public TurnServer? Turn { get; private set; }

    public IPlaywright? Playwright { get; private set; }

    public NodeProcess? Web { get; private set; }

    /// <summary>A second web node of the same app with no ICE servers at all: no relay to fall back on.</summary>
    public NodeProcess? WebWithoutTurn { get; private set; }

    /// <summary>The app as the lab's browsers reach it.</summary>
    public Uri PublicWeb => new($"http://{NatLab.PublicAddress}:{Web!.HttpPort}");

    public Uri PublicWebWithoutTurn => new($"http://{NatLab.PublicAddress}:{WebWithoutTurn!.HttpPort}");

    public async Task InitializeAsync()
    {
        if (!NatLab.CanRun)
        {
            return; // each test says why it cannot run
        }

        try
        {
            await StartAsync();
        }
        catch
        {
            // A fixture whose start failed may never be disposed: what did start must not outlive the run.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        App = await AppCluster.StartAsync(silos: 1, webs: 0);
        Lab = await NatLab.CreateAsync();
        Turn = await TurnServer.StartProductionConfigAsync(
            NatLab.PublicAddress, allowedPeers: ["198.51.100.0-198.51.100.255", "203.0.113.0-203.0.113.255"], port: 3478, tlsPort: 443);
        Web = await App.AddWebAsync("web-lab", new Dictionary<string, string>
        {
            ["Ice:Servers:0:Urls:0"] = $"turn:{NatLab.PublicAddress}:3478?transport=udp",
            ["Ice:Servers:0:Urls:1"] = $"turn:{NatLab.PublicAddress}:443?transport=tcp",
            ["Ice:Servers:0:SharedSecret"] = Turn.SharedSecret,
        }, alsoListenOn: NatLab.PublicAddress);
        WebWithoutTurn = await App.AddWebAsync("web-lab-no-turn", alsoListenOn: NatLab.PublicAddress);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
    }

    /// <summary>A browser inside <paramref name="peer"/>'s LAN; the lab's http address counts as secure (camera, crypto).</summary>
    public Task<IBrowser> BrowserInAsync(LabPeer peer) => Playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = peer.ChromiumPath,
        Headless = true,
        Args = [.. Chromium.Flags, $"--unsafely-treat-insecure-origin-as-secure={PublicWeb.ToString().TrimEnd('/')},{PublicWebWithoutTurn.ToString().TrimEnd('/')}"],
    });

    public async Task DisposeAsync()
    {
        Playwright?.Dispose();
        if (Turn is not null)
        {
            await Turn.DisposeAsync();
        }

        if (App is not null)
        {
            await App.DisposeAsync();
        }

        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }
    }
}

[Collection(BrowserCollection.Name)]
public sealed class NatLabTests(LabFixture fixture) : IClassFixture<LabFixture>, IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly string folder = Directory.CreateTempSubdirectory("cybernet-lab-files-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private (string Path, string Sha256) MakeFile(string name, int bytes)
    {
        var path = Path.Combine(folder, name);
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(path, data);
        return (path, Convert.ToHexStringLower(SHA256.HashData(data)));
    }

    /// <summary>Alice offers a file, Bob accepts it; returns Bob's card.</summary>
    private static async Task<ILocator> OfferAsync(Person alice, Person bob, string path)
    {
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = bob.Page.Locator("li.transfer[data-dir=in]").Filter(new() { HasTextString = Path.GetFileName(path) });
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = 30_000 });
        // During a call its view covers the conversation: the button's own click event, as a keyboard user would give it.
        await incoming.Locator("button[data-action=accept]").DispatchEventAsync("click");
        return incoming;
    }

    private static readonly LocatorAssertionsToHaveAttributeOptions Soon = new() { Timeout = 30_000 };

    private sealed record Side(LabPeer Peer, IBrowser Browser, Person Person) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Person.DisposeAsync();
            await Browser.DisposeAsync();
        }
    }

    private async Task<Side> SideAsync(NatKind kind, string prefix, string name, bool withTurn = true)
    {
        Assert.True(NatLab.CanRun, "The NAT lab needs root (network namespaces, iptables) and iproute2: run the tests as root, as CI does.");
        var peer = await fixture.Lab!.AddPeerAsync(kind, fixture.Web!.HttpPort);
        var browser = await fixture.BrowserInAsync(peer);
        var person = await Person.SignUpAsync(browser, withTurn ? fixture.PublicWeb : fixture.PublicWebWithoutTurn, prefix, name);
        return new Side(peer, browser, person);
    }

    /// <summary>"direct", "relayed" or "relayed-tcp", as the client decides it from the selected pair's candidate types.</summary>
    private static string Kind(JsonElement path) =>
        path.GetProperty("local").GetString() == "relay"
            ? (path.GetProperty("relayProtocol").GetString() == "udp" ? "relayed" : "relayed-tcp")
            : path.GetProperty("remote").GetString() == "relay" ? "relayed" : "direct";

    /// <summary>Waits until the selected pair of <paramref name="p"/>'s link to <paramref name="other"/> is of <paramref name="kind"/>; returns it.</summary>
    private static async Task<JsonElement> LinkPathAsync(Person p, Person other, string kind)
    {
        var otherId = await other.Page.EvaluateAsync<string>("() => document.getElementById('app').dataset.userId");
        JsonElement path = default;
        await TestWait.UntilAsync(async () =>
        {
            var json = await p.Page.EvaluateAsync<string>("id => JSON.stringify(window.cybernetDebug.linkPath(id))", otherId);
            path = JsonDocument.Parse(json).RootElement.Clone();
            return path.ValueKind == JsonValueKind.Object && Kind(path) == kind;
        }, TimeSpan.FromSeconds(30), $"{p.DisplayName}'s link to {other.DisplayName} is {kind} (last: {path})");
        return path;
    }

    /// <summary>
    /// Runs <paramref name="step"/>; if it fails, fails with every candidate pair of both sides' links and call beside
    /// the reason, so a path that did not come is explained by what ICE tried.
    /// </summary>
    private static async Task<T> ExplainedAsync<T>(Person a, Person b, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            throw new TimeoutException($"{e.Message}\n{await IceReportAsync(a, b)}\n{await IceReportAsync(b, a)}", e);
        }
    }

    private static async Task<string> IceReportAsync(Person p, Person other)
    {
        var otherId = await other.Page.EvaluateAsync<string>("() => document.getElementById('app').dataset.userId");
        return $"ICE of {p.DisplayName}: " + await p.Page.EvaluateAsync<string>("async id => JSON.stringify(await window.cybernetDebug.ice(id), null, 1)", otherId)
            + $"\nEvents of {p.DisplayName}: " + await TimelineAsync(p, DateTimeOffset.UtcNow.AddMinutes(-6));
    }

    /// <summary>The connection events <paramref name="p"/>'s tab recorded since <paramref name="since"/>, each at its offset from then.</summary>
    private static async Task<string> TimelineAsync(Person p, DateTimeOffset since)
    {
        var entries = JsonDocument.Parse(await p.Page.EvaluateAsync<string>("() => JSON.stringify(window.cybernetDebug.trace ? window.cybernetDebug.trace() : [])")).RootElement;
        var from = since.ToUnixTimeMilliseconds();
        return string.Join("; ", entries.EnumerateArray()
            .Where(e => e.GetProperty("at").GetInt64() >= from)
            .Select(e => $"+{(e.GetProperty("at").GetInt64() - from) / 1000.0:F1} s {e.GetProperty("what").GetString()}"));
    }

    private static async Task<JsonElement> CallStatsAsync(Person p) =>
        JsonDocument.Parse(await p.Page.EvaluateAsync<string>("() => JSON.stringify(window.cybernetDebug.callStats())")).RootElement.Clone();

    private static async Task MediaFlowsAsync(Person p)
    {
        var first = (Frames: 0.0, Samples: 0.0);
        await TestWait.UntilAsync(async () =>
        {
            var s = await CallStatsAsync(p);
            if (s.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var now = (Frames: s.GetProperty("framesDecoded").GetDouble(), Samples: s.GetProperty("totalSamplesReceived").GetDouble());
            var rising = now.Frames > first.Frames && first.Frames > 0 && now.Samples > first.Samples && first.Samples > 0;
            first = now;
            return rising;
        }, TimeSpan.FromSeconds(40), $"{p.DisplayName} decodes the other side's video and audio");
    }

    /// <summary>
    /// What a cell must end up with, seen from the first person: the path kind, the candidate types its selected pair
    /// may have on its own side, and the words the conversation header and the call view use for it.
    /// </summary>
    private sealed record Expect(string Kind, string[] Local, string Label, string CallLabel);

    private async Task CellAsync(NatKind a, NatKind b, Expect expect)
    {
        await using var alice = await SideAsync(a, "alice", "Alice Liddell");
        await using var bob = await SideAsync(b, "bob", "Bob Builder");
        await CellChecksAsync(alice, bob, expect);
        await alice.Person.Page.ClickAsync("button[data-action=hang-up]");
    }

    /// <summary>
    /// What every cell must do, Alice and Bob befriended: a message and a 5 MiB file over the data link and a video call
    /// decoding both ways, each on the path the cell allows, and the words that say so. Leaves the call up.
    /// </summary>
    private async Task CellChecksAsync(Side aliceSide, Side bobSide, Expect expect)
    {
        var (a, b) = (aliceSide.Peer.Kind, bobSide.Peer.Kind);
        var (alice, bob) = (aliceSide, bobSide);
        await alice.Person.BefriendAsync(bob.Person);
        await alice.Person.OpenConversationAsync("Bob Builder");
        await bob.Person.OpenConversationAsync("Alice Liddell");

        // A message over the data link, on the path the cell allows.
        var path = await ExplainedAsync(alice.Person, bob.Person, () => LinkPathAsync(alice.Person, bob.Person, expect.Kind));
        Assert.Contains(path.GetProperty("local").GetString(), expect.Local);
        await Assertions.Expect(alice.Person.Page.Locator("#link-state")).ToHaveTextAsync(expect.Label, new() { Timeout = 10_000 });
        await alice.Person.SendAsync($"hello across {a} and {b}");
        await Assertions.Expect(bob.Person.Incoming.Last).ToContainTextAsync($"hello across {a} and {b}", new() { Timeout = 30_000 });

        // A 5 MiB file over the same link, arriving whole.
        var (file, sha256) = MakeFile($"cell-{a}-{b}.bin", 5 * MiB);
        var incoming = await OfferAsync(alice.Person, bob.Person, file);
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 60_000 });
        Assert.Equal(sha256, await incoming.GetAttributeAsync("data-sha256"));

        // A call with media both ways, on the same kind of path.
        await alice.Person.Page.ClickAsync("#call-video");
        await bob.Person.Page.ClickAsync("button[data-action=answer-video]", new() { Timeout = 30_000 });
        await MediaFlowsAsync(alice.Person);
        await MediaFlowsAsync(bob.Person);
        await ExplainedAsync(alice.Person, bob.Person, async () =>
        {
            await Assertions.Expect(alice.Person.Page.Locator("#call-path")).ToHaveAttributeAsync("data-path", expect.Kind, Soon);
            return true;
        });
        await Assertions.Expect(alice.Person.Page.Locator("#call-path")).ToHaveTextAsync(expect.CallLabel);
        var events = await TimelineAsync(alice.Person, DateTimeOffset.UtcNow.AddMinutes(-5));
        if (events.Contains("leave a relay", StringComparison.Ordinal))
        {
            Console.WriteLine($"cell {a}-{b}: the call left a relay for a direct path that works ({events})");
        }
        var pair = (await CallStatsAsync(alice.Person)).GetProperty("pair");
        Assert.Contains(pair.GetProperty("local").GetString(), expect.Local);
        await alice.Person.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, $"lab-{a}-{b}.png".ToLowerInvariant()) });
    }

    [Fact]
    public Task Open_to_open_connects_host_to_host() =>
        CellAsync(NatKind.Open, NatKind.Open, new("direct", ["host"], "Direct connection", "Direct"));

    [Fact]
    public Task Symmetric_to_symmetric_goes_through_a_relay() =>
        CellAsync(NatKind.Symmetric, NatKind.Symmetric, new("relayed", ["relay", "srflx", "prflx"], "Relayed connection", "Relayed"));

    [Fact]
    public Task Symmetric_to_cone_goes_through_a_relay() =>
        CellAsync(NatKind.Symmetric, NatKind.Cone, new("relayed", ["relay", "srflx", "prflx"], "Relayed connection", "Relayed"));

    [Fact]
    public Task Tcp_443_only_on_both_sides_goes_through_the_relay_over_tcp() =>
        CellAsync(NatKind.Tcp443Only, NatKind.Tcp443Only, new("relayed-tcp", ["relay"], "Relayed over TCP", "Relayed over TCP"));

    /// <summary>Two symmetric NATs and no relay configured: no path exists, and both the chat link and a call say so within 30 s.</summary>
    [Fact]
    public async Task Without_a_relay_two_symmetric_nats_fail_within_30_seconds_and_say_the_network_blocks_a_direct_connection()
    {
        await using var alice = await SideAsync(NatKind.Symmetric, "alice", "Alice Liddell", withTurn: false);
        await using var bob = await SideAsync(NatKind.Symmetric, "bob", "Bob Builder", withTurn: false);
        await alice.Person.BefriendAsync(bob.Person);
        await alice.Person.OpenConversationAsync("Bob Builder");
        await bob.Person.OpenConversationAsync("Alice Liddell");
        var opened = DateTimeOffset.UtcNow;
        await alice.Person.Page.ClickAsync("#call-audio");
        await bob.Person.Page.ClickAsync("button[data-action=answer-audio]", new() { Timeout = 30_000 });

        // Never an endless "Connecting…": the link fails at 30 s with the reason, and so does the call.
        await Assertions.Expect(alice.Person.Page.Locator("#link-state")).ToHaveTextAsync(
            "Connection failed: this network blocks a direct connection and no relay is set up", new() { Timeout = 40_000 });
        Assert.InRange(DateTimeOffset.UtcNow - opened, TimeSpan.Zero, TimeSpan.FromSeconds(36));
        await Assertions.Expect(alice.Person.Page.Locator("#call-status")).ToHaveTextAsync("The call failed: the network blocked a direct connection.", new() { Timeout = 15_000 });
        await alice.Person.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "lab-no-relay.png") });
    }

    /// <summary>
    /// Mid-call, with a file on its way (Alice's to Bob when <paramref name="aliceSends"/>, else Bob's to Alice), Alice's
    /// router gets a new public address (her network changed; every mapping is gone, the signaling connection's too).
    /// The bytes stop; a probe finds the signaling connection dead and replaces it (a new session: the call rejoins on new
    /// paths); the media is back within 10 s, and the transfer goes on (from the receiver's last checkpoint over a new
    /// link, or over its own link if that came through an ICE restart) and arrives whole: no one clicks anything.
    /// </summary>
    private async Task NetworkChangeAsync(NatKind a, NatKind b, Expect expect, bool aliceSends, int fileMiB)
    {
        await using var alice = await SideAsync(a, "alice", "Alice Liddell");
        await using var bob = await SideAsync(b, "bob", "Bob Builder");
        // First the cell itself (message, file, call, each on its path), then the move with the call up.
        await CellChecksAsync(alice, bob, expect);
        var kind = expect.Kind;
        var (sender, receiver) = aliceSends ? (alice.Person, bob.Person) : (bob.Person, alice.Person);
        // The receiver checkpoints every MiB (8 in the app), so a few MiB before the move are enough to resume from one.
        await receiver.Page.EvaluateAsync("() => window.cybernetDebug.tuning.checkpointBytes = 1024 * 1024");
        var (file, sha256) = MakeFile("moving.bin", fileMiB * MiB);
        var incoming = await OfferAsync(sender, receiver, file);
        await TestWait.UntilAsync(
            async () => long.TryParse(await incoming.GetAttributeAsync("data-bytes"), out var bytes) && bytes >= 2 * MiB,
            TimeSpan.FromSeconds(60), "the file is on its way");

        await fixture.Lab!.MovePeerAsync(alice.Peer);
        var moved = DateTimeOffset.UtcNow;
        Assert.True(long.TryParse(await incoming.GetAttributeAsync("data-bytes"), out var atMove) && atMove < fileMiB * MiB, "the file is still on its way when the network changes");
        // The call goes through "reconnecting": read in Alice's trace, since her new session can rejoin and be connected
        // again within one look of Playwright's polling of the screen (a CI run here polled past it).
        await TestWait.UntilAsync(async () => (await TimelineAsync(alice.Person, moved)).Contains("call phase: reconnecting", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "Alice's call says reconnecting after her network changed");

        // Connected again (media flowing: the media link reports it) within 10 s of the move; then both sides decode. If
        // not, the failure carries both sides' candidate pairs (links and call) and call stats.
        await ExplainedAsync(alice.Person, bob.Person, async () =>
        {
            await Assertions.Expect(alice.Person.Page.Locator("#call-status")).ToHaveAttributeAsync("data-phase", "connected", new() { Timeout = (float)Math.Max(1, (TimeSpan.FromSeconds(10) - (DateTimeOffset.UtcNow - moved)).TotalMilliseconds) });
            await MediaFlowsAsync(bob.Person);
            await MediaFlowsAsync(alice.Person);
            await Assertions.Expect(bob.Person.Page.Locator("#call-status")).ToHaveAttributeAsync("data-phase", "connected", new() { Timeout = 5_000 });
            return true;
        });
        Console.WriteLine($"network change ({a}): connected again and decoding both ways {(DateTimeOffset.UtcNow - moved).TotalSeconds:F1} s after the move");
        Console.WriteLine($"  Alice: {await TimelineAsync(alice.Person, moved)}");
        Console.WriteLine($"  Bob: {await TimelineAsync(bob.Person, moved)}");
        await Assertions.Expect(alice.Person.Page.Locator("#call-path")).ToHaveAttributeAsync("data-path", kind, Soon);

        // The chat link finds its way back too, and the file resumes from a checkpoint and arrives whole.
        await LinkPathAsync(alice.Person, bob.Person, kind);
        await ExplainedAsync(alice.Person, bob.Person, async () =>
        {
            await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 180_000 });
            return true;
        });
        Assert.Equal(sha256, await incoming.GetAttributeAsync("data-sha256"));
        // Either the link came through its ICE restart and the transfer went on where it was, or the link started over
        // and the transfer resumed from the receiver's last checkpoint.
        var resumed = !string.IsNullOrEmpty(await incoming.GetAttributeAsync("data-resumes"));
        var restarted = (await TimelineAsync(alice.Person, moved) + await TimelineAsync(bob.Person, moved)).Contains("link: ICE restart", StringComparison.Ordinal);
        Assert.True(resumed || restarted, "after the move the data link restarted ICE, or the transfer resumed from a checkpoint");
        Console.WriteLine($"network change ({a}): the file went on {(resumed ? "from a checkpoint over a new link" : "over its link after an ICE restart")}, {atMove / MiB} MiB of {fileMiB} in at the move");
        await alice.Person.Page.ClickAsync("button[data-action=hang-up]");
    }

    [Fact]
    public Task Cone_to_cone_connects_directly_through_both_nats_and_after_the_senders_network_changes_mid_call_and_transfer_the_call_is_back_within_10_seconds_and_the_file_resumes() =>
        NetworkChangeAsync(NatKind.Cone, NatKind.Cone, new("direct", ["srflx", "prflx"], "Direct connection", "Direct"), aliceSends: true, fileMiB: 12);

    [Fact]
    public Task Tcp_443_only_to_open_goes_through_the_relay_over_tcp_and_after_the_receivers_network_changes_mid_call_and_transfer_the_call_is_back_within_10_seconds_and_the_file_resumes() =>
        NetworkChangeAsync(NatKind.Tcp443Only, NatKind.Open, new("relayed-tcp", ["relay"], "Relayed over TCP", "Relayed over TCP"), aliceSends: false, fileMiB: 12);

    /// <summary>Real packet loss on the path (a fifth of the UDP packets dropped by Alice's router): the indicator warns after it lasts, and clears once it is gone.</summary>
    [Fact]
    public async Task Sustained_packet_loss_shows_a_poor_connection_and_clears_when_it_ends()
    {
        await using var alice = await SideAsync(NatKind.Cone, "alice", "Alice Liddell");
        await using var bob = await SideAsync(NatKind.Cone, "bob", "Bob Builder");
        await alice.Person.BefriendAsync(bob.Person);
        await alice.Person.OpenConversationAsync("Bob Builder");
        await alice.Person.Page.ClickAsync("#call-video");
        await bob.Person.Page.ClickAsync("button[data-action=answer-video]", new() { Timeout = 30_000 });
        await MediaFlowsAsync(bob.Person);
        var quality = bob.Person.Page.Locator("#call-quality");
        await Assertions.Expect(quality).ToHaveAttributeAsync("data-quality", "good");

        await fixture.Lab!.SetLossAsync(alice.Peer, 0.2);
        await Assertions.Expect(quality).ToHaveAttributeAsync("data-quality", "poor", new() { Timeout = 20_000 });
        await Assertions.Expect(quality).ToHaveTextAsync("Poor connection");
        await bob.Person.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "call-poor-connection.png") });

        await fixture.Lab.SetLossAsync(alice.Peer, 0);
        await Assertions.Expect(quality).ToHaveAttributeAsync("data-quality", "good", new() { Timeout = 20_000 });
        // A fifth of the packets lost can cost the ICE checks too: an ICE restart the loss began may still be finishing.
        await Assertions.Expect(bob.Person.Page.Locator("#call-status")).ToHaveAttributeAsync("data-phase", "connected", new() { Timeout = 20_000 });
    }
}
