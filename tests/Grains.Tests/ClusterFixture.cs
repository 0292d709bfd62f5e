using Cybernet.Grains.Calls;
using Cybernet.Grains.Users;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

using Orleans.Serialization;
using Orleans.Storage;

using Orleans.TestingHost;

namespace Cybernet.Grains.Tests;

/// <summary>An in-process Orleans test cluster with short presence leases, shared by the grain tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    // Short, so expiry tests are quick, but renewed every second (Renewer) it outlasts a test host starved of CPU for
    // two seconds, as CI's is while Chromium runs beside it (1.5 s, renewed every 0.5 s, was tighter than that).
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    public TestCluster Cluster { get; } = new TestClusterBuilder(1).AddSiloBuilderConfigurator<SiloConfigurator>().Build();

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>Where the silo's user grains write their unseen events (the silo runs in this process).</summary>
    public static MemoryUnseenEventStore UnseenEvents { get; } = new();

    /// <summary>The clock calls are timed by: a test moves it instead of waiting out a ring.</summary>
    public static FakeTimeProvider CallTime { get; } = new(DateTimeOffset.UtcNow);

    public static readonly CallOptions CallTimings = new();

    /// <summary>The user grains' state storage, once the silo made it.</summary>
    public static FlakyGrainStorage? UserStorage { get; private set; }

    /// <summary>The call grains' state storage, once the silo made it.</summary>
    public static FlakyGrainStorage? CallStorage { get; private set; }

    /// <summary>Every grain's reminders, counted.</summary>
    public static CountingReminderTable Reminders { get; } = new();

    public Task InitializeAsync() => Cluster.DeployAsync();

    /// <summary>Two new users who asked and accepted each other, once both grains agree.</summary>
    public async Task<(Guid A, Guid B)> NewContactsAsync()
    {
        var patience = TimeSpan.FromSeconds(10);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await Grains.GetGrain<IUserGrain>(a).RequestContact(b);
        await TestWait.UntilAsync(async () => (await Grains.GetGrain<IUserGrain>(b).GetContacts()).Contacts.Any(c => c.UserId == a), patience, "B receives A's request");
        await Grains.GetGrain<IUserGrain>(b).AcceptContact(a);
        await TestWait.UntilAsync(async () => (await Grains.GetGrain<IUserGrain>(a).GetContacts()).Contacts.Any(c => c.UserId == b && c.Status == ContactStatus.Accepted), patience, "A learns B accepted");
        return (a, b);
    }

    /// <summary>Connects sessions of a user on one stand-in node, and keeps their leases alive until disposed.</summary>
    public async Task<(RecordingObserver Node, Renewer Keep)> OnlineAsync(Guid user, params string[] sessions)
    {
        var node = new RecordingObserver();
        var reference = Grains.CreateObjectReference<ISessionObserver>(node);
        foreach (var session in sessions)
        {
            await Grains.GetGrain<IUserGrain>(user).Connect(session, reference, active: true);
        }

        return (node, new Renewer(() => Grains.GetGrain<IUserGrain>(user).Renew(reference, [.. sessions])));
    }

    /// <summary>How many missed calls from <paramref name="from"/> the grain of <paramref name="user"/> shows.</summary>
    public async Task<int> MissedCallsAsync(Guid user, Guid from) =>
        (await Grains.GetGrain<IUserGrain>(user).GetContacts()).PendingOffers.Where(o => o.From == from && o.Kind == OfferKinds.Call).Sum(o => o.Count);

    /// <summary>Waits until the last call update pushed to <paramref name="session"/> matches.</summary>
    public static Task SeesAsync(RecordingObserver node, string session, Func<CallUpdate, bool> what, string description) =>
        TestWait.UntilAsync(() => Task.FromResult(node.LastCallFor(session) is { } call && what(call)), TimeSpan.FromSeconds(10), description);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>("users", (services, _) => UserStorage = new FlakyGrainStorage(services.GetRequiredService<DeepCopier>()));
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton<IUnseenEventStore>(UnseenEvents);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IReminderTable>(Reminders);
            silo.Services.AddKeyedSingleton<IGrainStorage>("calls", (services, _) => CallStorage = new FlakyGrainStorage(services.GetRequiredService<DeepCopier>()));
            silo.Services.AddSingleton(new CallClock(CallTime));
            silo.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(CallTimings));
            silo.Services.Configure<PresenceOptions>(o =>
            {
                o.Lease = Lease;
                o.Sweep = TimeSpan.FromMilliseconds(200);
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
