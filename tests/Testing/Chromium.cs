using Microsoft.Playwright;

namespace Cybernet.Testing;

/// <summary>Debian's Chromium (never a downloaded browser), headless, with WebRTC usable on loopback and no calls home.</summary>
public static class Chromium
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-features=WebRtcHideLocalIpsWithMdns",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream=device-count=2",
    ];

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = Flags });
}
