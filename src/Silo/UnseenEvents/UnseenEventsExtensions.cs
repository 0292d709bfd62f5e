using Cybernet.Shared;

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
        builder.AllowReminderPeriod<UnseenEventsOptions>(unseen => unseen.Backstop);
        return builder;
    }
}
