namespace Cybernet.EndToEnd.Tests;

/// <summary>The app (one silo, one web node) and Debian's headless Chromium driven by Playwright.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? playwright;

    public AppCluster? App { get; private set; }

    public IBrowser Browser { get; private set; } = null!;

    public Uri Web => App!.Webs[0].BaseAddress;

    /// <summary>Where screenshots go, for people to look at (ignored by git).</summary>
    public static string ScreenshotDir { get; } = Path.Combine(NodeProcess.RepositoryRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        App = await AppCluster.StartAsync(silos: 1, webs: 1);
        playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(playwright);
        Directory.CreateDirectory(ScreenshotDir);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
