using Cybernet.Web.Accounts;
using Cybernet.Web.Digests;
using Cybernet.Web.Email;
using Cybernet.Web.Infrastructure;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Cybernet.Web.Tests;

/// <summary>
/// The Web's own digest services, composed in the test process as the web node composes them (same extension
/// methods, real PostgreSQL, real SMTP server, the real cluster's grains for presence), with one difference: the
/// pass reads a clock the test moves, so "an hour later" takes no hour.
/// </summary>
public sealed class DigestHost : IAsyncDisposable
{
    private readonly IHost host;

    private DigestHost(IHost host, FakeTimeProvider clock)
    {
        this.host = host;
        Clock = clock;
        Pass = ActivatorUtilities.CreateInstance<DigestPass>(host.Services, (TimeProvider)clock);
    }

    public FakeTimeProvider Clock { get; }

    public DigestPass Pass { get; }

    public IServiceProvider Services => host.Services;

    public static async Task<DigestHost> StartAsync(AppCluster cluster, MailCatcher mail, Uri publicBaseUrl)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = cluster.ConnectionString,
            ["Cluster:ClusterId"] = cluster.ClusterId,
            ["Cluster:ServiceId"] = cluster.ServiceId,
            ["Email:Host"] = "127.0.0.1",
            ["Email:Port"] = mail.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:PublicBaseUrl"] = publicBaseUrl.AbsoluteUri,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddKeyRing();
        builder.AddClusterClient();
        builder.AddEmail();
        builder.AddDigests();
        var host = builder.Build();
        await host.StartAsync();
        return new DigestHost(host, new FakeTimeProvider(DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// Moves the pass's clock to <paramref name="later"/> after the real now, and runs one pass. The web nodes run
    /// their own scheduled pass now and then, which holds the one-pass-at-a-time lock for a moment; this pass then
    /// gives way without running (seen as a flaky test), so it is tried until it really ran.
    /// </summary>
    public async Task<DigestPassResult> RunAtAsync(TimeSpan later)
    {
        Clock.SetUtcNow(DateTimeOffset.UtcNow + later);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var result = await Pass.RunAsync(CancellationToken.None);
            if (result.Ran)
            {
                return result;
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException("The digest pass never got its lock in 30 s.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
