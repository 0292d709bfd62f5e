using Cybernet.Shared;

using Microsoft.Extensions.Options;

using Npgsql;

namespace Cybernet.Silo.UnseenEvents;

/// <summary>The store user grains write their unseen events to (PostgreSQL, for the web's email digests).</summary>
public static class UnseenEventsExtensions
{
    public static IHostApplicationBuilder AddUnseenEvents(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PostgresConnectionString();
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton<IUnseenEventStore, PostgresUnseenEventStore>();
        builder.Services.AddOptions<UnseenEventsOptions>().BindConfiguration(UnseenEventsOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        // Orleans refuses reminder periods under its minimum (a minute by default): a shorter backstop lowers it.
        builder.Services.AddOptions<ReminderOptions>().Configure<IOptions<UnseenEventsOptions>>((o, unseen) =>
            o.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(o.MinimumReminderPeriod.Ticks, unseen.Value.Backstop.Ticks)));
        return builder;
    }
}
