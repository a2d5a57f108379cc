import { Module } from '@nestjs/common';
import { ManagementMetadataController } from './management-metadata.controller';
import { ManagementMetadataService } from './management-metadata.service';

@Module({ controllers: [ManagementMetadataController], providers: [ManagementMetadataService] })
export class ManagementMetadataModule {}
