using System.Diagnostics;

namespace Cybernet.Testing;

/// <summary>
/// Cuts UDP (IPv4 and IPv6) on the loopback interface (where WebRTC media and data flow in the tests; everything else here
/// is TCP) with an iptables rule, until disposed. Needs root and iptables (./cybernet test installs it).
/// </summary>
public sealed class LoopbackFirewall : IDisposable
{
    private static readonly string[] Rule = ["INPUT", "-i", "lo", "-p", "udp", "-j", "DROP"];
    private bool active;

    private LoopbackFirewall()
    {
        Run("iptables", ["-w", "-I", .. Rule]);
        Run("ip6tables", ["-w", "-I", .. Rule]);
        active = true;
    }

    public static LoopbackFirewall DropUdp() => new();

    public void Dispose()
    {
        if (active)
        {
            Run("iptables", ["-w", "-D", .. Rule]);
            Run("ip6tables", ["-w", "-D", .. Rule]);
            active = false;
        }
    }

    private static void Run(string tool, string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("iptables did not start");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({process.ExitCode}): {error}. This test needs root and iptables.");
        }
    }
}
