using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Cybernet.Testing;

/// <summary>How a peer's router treats its traffic.</summary>
public enum NatKind
{
    /// <summary>No NAT: the peer's own address is public.</summary>
    Open,

    /// <summary>MASQUERADE: one mapping per inside port, back in only what conntrack knows (port-restricted cone).</summary>
    Cone,

    /// <summary>MASQUERADE --random-fully: a new outside port for every destination (symmetric).</summary>
    Symmetric,

    /// <summary>Nothing out but TCP to the app's port and to TURN on 443.</summary>
    Tcp443Only,
}

/// <summary>
/// A network of Linux namespaces made for one test run, on documentation addresses only: a "public" segment
/// (198.51.100.0/24; this machine's side of it, <see cref="PublicAddress"/>, is where the web node and coturn listen),
/// and per peer a LAN (a /29 of 203.0.113.0/24) behind a router namespace whose iptables make it one of
/// <see cref="NatKind"/>. Nothing in it has a route anywhere else, so no packet leaves this machine. Everything is
/// removed on dispose, and by a watchdog shell if the test process dies first.
/// </summary>
public sealed class NatLab : IAsyncDisposable
{
    public const string PublicAddress = "198.51.100.1";

    private readonly string id;
    private readonly List<LabPeer> peers = [];

    private NatLab(string id) => this.id = id;

    public string Id => id;

    /// <summary>Whether this process may build a lab (root, with ip and iptables).</summary>
    public static bool CanRun => Environment.IsPrivilegedProcess && new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip" }.Any(File.Exists);

    public static async Task<NatLab> CreateAsync()
    {
        var lab = new NatLab("cn" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant());
        await lab.StartWatchdogAsync();
        try
        {
            var pub = lab.Ns("pub");
            await Ip("netns", "add", pub);
            await Ip("-n", pub, "link", "set", "lo", "up");
            await Ip("-n", pub, "link", "add", "name", "labbr", "type", "bridge");
            await Ip("-n", pub, "link", "set", "labbr", "up");
            await Ip("link", "add", "name", lab.Host, "type", "veth", "peer", "name", $"{lab.id}hp", "netns", pub);
            await Ip("addr", "add", $"{PublicAddress}/24", "dev", lab.Host);
            await Ip("link", "set", lab.Host, "up");
            await Ip("-n", pub, "link", "set", $"{lab.id}hp", "master", "labbr", "up");
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>This machine's end of the public segment.</summary>
    private string Host => $"{id}h";

    private string Ns(string name) => $"{id}-{name}";

    /// <summary>A peer behind a new router of <paramref name="kind"/>; <paramref name="appPort"/> is what a TCP-443-only network lets through besides 443.</summary>
    public async Task<LabPeer> AddPeerAsync(NatKind kind, int appPort)
    {
        var n = peers.Count + 1;
        var router = Ns($"r{n}");
        var inside = Ns($"p{n}");
        var wan = $"{id}w{n}";
        var lan = $"{id}l{n}";
        var routerWan = $"198.51.100.{10 + n}";
        if (n > 32)
        {
            throw new InvalidOperationException("the lab has room for 32 peers (a /29 each of 203.0.113.0/24)");
        }

        var lanBase = 8 * (n - 1);
        var routerLan = $"203.0.113.{lanBase + 1}";
        var peerAddress = $"203.0.113.{lanBase + 2}";
        var lanNet = $"203.0.113.{lanBase}/29";
        foreach (var ns in new[] { router, inside })
        {
            await Ip("netns", "add", ns);
            await Ip("-n", ns, "link", "set", "lo", "up");
        }

        await Ip("link", "add", "name", wan, "netns", router, "type", "veth", "peer", "name", $"{id}b{n}", "netns", Ns("pub"));
        await Ip("-n", Ns("pub"), "link", "set", $"{id}b{n}", "master", "labbr", "up");
        await Ip("-n", router, "addr", "add", $"{routerWan}/24", "dev", wan);
        await Ip("-n", router, "link", "set", wan, "up");
        await Ip("link", "add", "name", lan, "netns", router, "type", "veth", "peer", "name", $"{id}e{n}", "netns", inside);
        await Ip("-n", router, "addr", "add", $"{routerLan}/29", "dev", lan);
        await Ip("-n", router, "link", "set", lan, "up");
        await Ip("-n", inside, "addr", "add", $"{peerAddress}/29", "dev", $"{id}e{n}");
        await Ip("-n", inside, "link", "set", $"{id}e{n}", "up");
        await Ip("-n", inside, "route", "add", "default", "via", routerLan);
        await Run("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1");

        var tables = kind switch
        {
            NatKind.Open => [],
            NatKind.Cone => Masquerade(wan, "").Concat(InboundOnlyKnown(wan)),
            NatKind.Symmetric => Masquerade(wan, "--random-fully").Concat(InboundOnlyKnown(wan)),
            NatKind.Tcp443Only => Masquerade(wan, "").Concat(InboundOnlyKnown(wan)).Concat(
            [
                ["-A", "FORWARD", "-i", lan, "-p", "tcp", "-d", PublicAddress, "-m", "multiport", "--dports", $"{appPort},443", "-j", "ACCEPT"],
                ["-A", "FORWARD", "-i", lan, "-j", "DROP"],
            ]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        foreach (var rule in tables)
        {
            await Run(["ip", "netns", "exec", router, "iptables", .. rule]);
        }

        var peer = new LabPeer(kind, inside, peerAddress, routerWan, lanNet, await WrapperAsync(inside, n)) { Router = router, Wan = wan, Index = n };
        if (kind == NatKind.Open)
        {
            // A public LAN: this machine and every other router reach it through its router.
            await Ip("route", "add", lanNet, "via", routerWan, "dev", Host);
            foreach (var other in peers)
            {
                await Ip("-n", other.Router, "route", "add", lanNet, "via", routerWan);
            }
        }

        foreach (var open in peers.Where(p => p.Kind == NatKind.Open))
        {
            await Ip("-n", router, "route", "add", open.LanNet, "via", open.RouterWan);
        }

        peers.Add(peer);
        return peer;
    }

    /// <summary>
    /// The peer's router gets a new public address, as when a laptop moves to another network: every mapping of the old
    /// address is gone with it (the kernel drops masqueraded connections of an address that goes away).
    /// </summary>
    public async Task MovePeerAsync(LabPeer peer)
    {
        if (peer.Kind == NatKind.Open)
        {
            throw new ArgumentException("an open peer has no router mappings to move", nameof(peer));
        }

        var moved = $"198.51.100.{150 + peer.Index + (40 * peer.Moves)}";
        await Ip("-n", peer.Router, "addr", "flush", "dev", peer.Wan);
        await Ip("-n", peer.Router, "addr", "add", $"{moved}/24", "dev", peer.Wan);
        peer.Moves++;
    }

    /// <summary>Drops this fraction of the UDP packets through the peer's router, both ways (0 stops dropping).</summary>
    public async Task SetLossAsync(LabPeer peer, double fraction)
    {
        var router = peer.Router;
        if (peer.Loss > 0)
        {
            await Run(["ip", "netns", "exec", router, "iptables", .. LossRule("-D", peer.Loss)]);
        }

        if (fraction > 0)
        {
            await Run(["ip", "netns", "exec", router, "iptables", .. LossRule("-I", fraction)]);
        }

        peer.Loss = fraction;
    }

    private static string[] LossRule(string action, double fraction) =>
        [action, "FORWARD", "-p", "udp", "-m", "statistic", "--mode", "random", "--probability", fraction.ToString("0.00", CultureInfo.InvariantCulture), "-j", "DROP"];

    private static IEnumerable<string[]> Masquerade(string wan, string how) =>
        [["-t", "nat", "-A", "POSTROUTING", "-o", wan, "-j", "MASQUERADE", .. how.Length > 0 ? new[] { how } : []]];

    // Back in only what conntrack knows. Unsolicited packets to the router itself are dropped in INPUT too, before
    // their conntrack entry is confirmed: otherwise a peer's early check would leave an entry on the outside port
    // the inside peer is about to use, and the NAT would map that peer's own packets to another port (a cone NAT
    // that turns symmetric under simultaneous open, which real cone NATs do not).
    private static IEnumerable<string[]> InboundOnlyKnown(string wan) =>
    [
        ["-A", "FORWARD", "-i", wan, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
        ["-A", "FORWARD", "-i", wan, "-j", "DROP"],
        ["-A", "INPUT", "-i", wan, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
        ["-A", "INPUT", "-i", wan, "-j", "DROP"],
    ];

    /// <summary>An executable that runs Chromium inside the peer's namespace (Playwright's ExecutablePath).</summary>
    private async Task<string> WrapperAsync(string ns, int n)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{id}-chromium-{n}");
        await File.WriteAllTextAsync(path, $"#!/bin/sh\nexec ip netns exec {ns} {Chromium.ExecutablePath} \"$@\"\n");
        await Run("chmod", "700", path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Run("sh", "-c", CleanupScript, "sh", id);
        }
        catch (InvalidOperationException)
        {
            // The watchdog tries again when this process ends.
        }
    }

    // Kills what still runs in the lab's namespaces, deletes them (their links and rules go with them), the host's
    // end of the public segment (its routes go with it) and the Chromium wrappers.
    private const string CleanupScript = """
        id="$1"
        for ns in $(ip netns list | awk '{print $1}' | grep "^$id-"); do
          ip netns pids "$ns" | xargs -r kill -9
          ip netns del "$ns"
        done
        ip link del "${id}h" 2>/dev/null
        rm -f /tmp/"$id"-chromium-*
        true
        """;

    private Task StartWatchdogAsync() => Run("sh", "-c", """
        owner="$1"; id="$2"; script="$3"
        (
            while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done
            sh -c "$script" sh "$id"
        ) </dev/null >/dev/null 2>&1 &
        """, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), id, CleanupScript);

    private static Task Ip(params string[] args) => Run(["ip", .. args]);

    private static async Task Run(params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{command[0]} did not start");
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' failed ({process.ExitCode}): {await errors}");
        }
    }
}

/// <summary>A peer of the lab: its namespace, addresses, and the Chromium that runs inside it.</summary>
public sealed record LabPeer(NatKind Kind, string Namespace, string Address, string RouterWan, string LanNet, string ChromiumPath)
{
    public string Router { get; init; } = "";

    public string Wan { get; init; } = "";

    public int Index { get; init; }

    /// <summary>How often the router got a new public address.</summary>
    public int Moves { get; set; }

    /// <summary>The fraction of UDP packets its router drops now.</summary>
    public double Loss { get; set; }
}
